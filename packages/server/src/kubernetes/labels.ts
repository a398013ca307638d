/**
 * Labels Hangar puts on every object it owns in a cluster. Selectors built
 * from them are how Hangar finds its own objects again (and only those), so
 * the keys are part of the contract with running clusters: renaming one
 * orphans everything created before the rename.
 */
export const hangarLabels = {
  managedBy: "app.kubernetes.io/managed-by", // value MANAGED_BY
  workspace: "hangar.dev/workspace-id",
  runner: "hangar.dev/runner-id", // runner configuration id
  instance: "hangar.dev/runner-instance", // runner instance name
  component: "hangar.dev/component", // "runner" | "tenancy"
} as const;

export const MANAGED_BY = "hangar";

export type HangarComponent = "runner" | "tenancy";

/** The labels every Hangar object of a workspace carries. */
export function ownershipLabels(
  workspaceId: string,
  component: HangarComponent,
): Record<string, string> {
  return {
    [hangarLabels.managedBy]: MANAGED_BY,
    [hangarLabels.workspace]: workspaceId,
    [hangarLabels.component]: component,
  };
}

/** `key=value,...` for a list call's labelSelector. */
export function labelSelector(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(",");
}
