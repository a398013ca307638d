// Client-side checks mirroring the rules in proto/hangar/v1/runner*.proto, so that
// people see every problem at once, next to its field. The API checks again.

export type RunnerDraft = {
  name: string;
  source: "offering" | "custom";
  offeringId: string;
  image: string;
  cpu: string;
  memory: string;
  registryCredentialId: string;
  labels: string;
  repositories: string;
  minIdle: string;
  maxRunners: string;
  /** Empty: no pre-warming. */
  prewarmMaxIdle: string;
  installationId: string;
};

export type DraftErrors = Partial<Record<keyof RunnerDraft, string>>;

export const emptyDraft: RunnerDraft = {
  name: "",
  source: "offering",
  offeringId: "",
  image: "",
  cpu: "",
  memory: "",
  registryCredentialId: "",
  labels: "",
  repositories: "",
  minIdle: "0",
  maxRunners: "",
  prewarmMaxIdle: "",
  installationId: "",
};

// Runner names also name Kubernetes objects: a DNS-1123 label.
const NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const CPU = /^(\d+(\.\d+)?|\d+m)$/;
const MEMORY = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const REPOSITORY = /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/;
const LABEL = /^[^\s,]{1,100}$/;

/** Splits a list typed with commas, spaces or one item per line. */
export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

function count(text: string): number | undefined {
  if (!/^\d+$/.test(text.trim())) return undefined;
  return Number(text.trim());
}

export function validateDraft(
  draft: RunnerDraft,
  retiredOfferings: ReadonlySet<string>,
): DraftErrors {
  const errors: DraftErrors = {};
  if (draft.name === "") errors.name = "A name is required: it is the runs-on label.";
  else if (draft.name.length > 63) errors.name = "At most 63 characters.";
  else if (!NAME.test(draft.name)) {
    errors.name = "Lowercase letters, digits and '-', starting and ending with a letter or digit.";
  }

  if (draft.source === "offering") {
    if (draft.offeringId === "") errors.offeringId = "Choose an offering.";
    else if (retiredOfferings.has(draft.offeringId)) {
      errors.offeringId = "This offering is retired; new runners cannot use it.";
    }
  } else {
    if (draft.image.trim() === "") errors.image = "An image reference is required.";
    else if (/\s/.test(draft.image.trim())) errors.image = "An image reference has no spaces.";
    if (!CPU.test(draft.cpu.trim())) errors.cpu = 'A Kubernetes CPU quantity, e.g. "2" or "500m".';
    if (!MEMORY.test(draft.memory.trim())) {
      errors.memory = 'A Kubernetes memory quantity, e.g. "4Gi" or "512Mi".';
    }
  }

  const badLabel = splitList(draft.labels).find((label) => !LABEL.test(label));
  if (badLabel !== undefined) errors.labels = `“${badLabel}” is not a valid label.`;
  const badRepo = splitList(draft.repositories).find((repo) => !REPOSITORY.test(repo));
  if (badRepo !== undefined) errors.repositories = `“${badRepo}” is not of the form owner/name.`;

  const minIdle = count(draft.minIdle === "" ? "0" : draft.minIdle);
  if (minIdle === undefined) errors.minIdle = "A whole number, 0 or more.";
  if (draft.maxRunners.trim() !== "") {
    const max = count(draft.maxRunners);
    if (max === undefined || max < 1) errors.maxRunners = "A whole number, 1 or more.";
    else if (minIdle !== undefined && minIdle > max) {
      errors.minIdle = "Cannot keep more idle runners than the maximum.";
    }
  }
  if (draft.prewarmMaxIdle.trim() !== "" && count(draft.prewarmMaxIdle) === undefined) {
    errors.prewarmMaxIdle = "A whole number, 0 or more; empty for no pre-warming.";
  }
  return errors;
}

/** Runner fields (as named in update_mask) that an edit may change, and their draft fields. */
const editable: [keyof RunnerDraft, string][] = [
  ["labels", "labels"],
  ["repositories", "repositories"],
  ["minIdle", "min_idle"],
  ["maxRunners", "max_runners"],
  ["prewarmMaxIdle", "prewarm_max_idle"],
];
const editableCustom: [keyof RunnerDraft, string][] = [
  ["image", "image"],
  ["cpu", "cpu"],
  ["memory", "memory"],
  ["registryCredentialId", "registry_credential_id"],
];

const normalised = (key: keyof RunnerDraft, draft: RunnerDraft): string =>
  key === "labels" || key === "repositories" ? splitList(draft[key]).join("\n") : draft[key].trim();

/**
 * The update_mask of an edit: the updatable fields whose value differs from the runner's,
 * so an unchanged field is never sent (and never overwrites a change made meanwhile).
 */
export function changedFields(before: RunnerDraft, after: RunnerDraft): string[] {
  const fields = before.source === "custom" ? [...editable, ...editableCustom] : editable;
  return fields
    .filter(([key]) => normalised(key, before) !== normalised(key, after))
    .map(([, path]) => path);
}
