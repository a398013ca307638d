import type { WeightedLabels } from "@hangar/github-sim";
import { CliError, ExitCode } from "../../exit-codes.js";

// Flag values of `hangar sim`: durations, rates, probabilities and label sets, each
// refused with a message that shows what would have been accepted.

function usage(message: string): CliError {
  return new CliError(message, ExitCode.usage);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, min: 60_000, h: 3_600_000 };

/** `200ms`, `10s`, `2m`, `1h`, `1m30s`; `0` alone. Whole milliseconds. */
export function parseDuration(value: string, flag = "duration"): number {
  const text = value.trim();
  if (text === "0") return 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|min|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== text) {
    throw usage(`${flag} must be a duration such as 200ms, 10s, 2m or 1m30s, not "${value}"`);
  }
  let total = 0;
  for (const [, amount = "0", unit = "s"] of parts) total += Number(amount) * (UNIT_MS[unit] ?? 0);
  return Math.round(total);
}

/** `10s..2m` (a range) or `30s` (always that long). */
export function parseDurationRange(
  value: string,
  flag = "--duration",
): {
  minMs: number;
  maxMs: number;
} {
  const [low = "", high, ...rest] = value.split("..");
  if (rest.length > 0) throw usage(`${flag} must be a duration or a range such as 10s..2m`);
  const minMs = parseDuration(low, flag);
  const maxMs = high === undefined ? minMs : parseDuration(high, flag);
  if (maxMs < minMs) throw usage(`${flag} must not end before it starts: "${value}"`);
  return { minMs, maxMs };
}

const PER_MINUTE: Record<string, number> = {
  s: 60,
  sec: 60,
  min: 1,
  m: 1,
  h: 1 / 60,
  hour: 1 / 60,
};

/** `6/min`, `1/s`, `0.5/s`, `120/h`: runs per minute. */
export function parseRate(value: string, flag = "--rate"): number {
  const match = /^(\d+(?:\.\d+)?)\/(s|sec|min|m|h|hour)$/.exec(value.trim());
  const perMinute = match ? Number(match[1]) * (PER_MINUTE[match[2] ?? ""] ?? 0) : 0;
  if (!match || !(perMinute > 0)) {
    throw usage(`${flag} must be a positive rate such as 6/min, 1/s or 120/h, not "${value}"`);
  }
  return perMinute;
}

/** `0.05` or `5%`, from 0 to 1. */
export function parseProbability(value: string, flag: string): number {
  const text = value.trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const number = percent
    ? Number(percent[1]) / 100
    : /^\d+(?:\.\d+)?$/.test(text)
      ? Number(text)
      : NaN;
  if (!(number >= 0 && number <= 1)) {
    throw usage(`${flag} must be a probability from 0 to 1 (or 0% to 100%), not "${value}"`);
  }
  return number;
}

/** `a,b` or `a,b:3` (a weight, relative to the other sets; 1 when left out). */
export function parseLabelSet(value: string, flag = "--labels"): WeightedLabels {
  const weighted = /^(.*):(\d+(?:\.\d+)?)$/.exec(value.trim());
  const list = weighted ? (weighted[1] ?? "") : value;
  const weight = weighted ? Number(weighted[2]) : 1;
  const labels = list
    .split(",")
    .map((label) => label.trim())
    .filter((label) => label !== "");
  if (labels.length === 0) throw usage(`${flag} needs at least one label, as in a,b or a,b:3`);
  if (!(weight > 0)) throw usage(`${flag} weight must be positive, not "${value}"`);
  return { labels, weight };
}

/** Repeatable `--labels`: each occurrence is one label set. */
export function collectLabelSets(
  value: string,
  previous: WeightedLabels[] | undefined,
): WeightedLabels[] {
  return [...(previous ?? []), parseLabelSet(value)];
}

/** `owner/name`. */
export function parseRepository(value: string, flag = "--repo"): string {
  if (!/^[\w.-]+\/[\w.-]+$/.test(value)) throw usage(`${flag} must be owner/name, not "${value}"`);
  return value;
}

export function parseSeed(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 0xffffffff) {
    throw usage(`--seed must be a whole number from 0 to 4294967295, not "${value}"`);
  }
  return Number(value);
}
