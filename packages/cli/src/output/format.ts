import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";

// How values read in tables: UTC times without the noise, durations a person can take
// in at a glance, "-" for what is unset.

export const NONE = "-";

export function formatTime(time: Timestamp | undefined, seconds = false): string {
  if (time === undefined) return NONE;
  const date = new Date(Number(time.seconds) * 1000 + Math.floor(time.nanos / 1e6));
  const iso = date.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, seconds ? 19 : 16)}Z`;
}

export function formatSeconds(total: number): string {
  if (!Number.isFinite(total)) return NONE;
  if (total < 1) return `${Math.round(total * 1000)}ms`;
  if (total < 60) return `${Number(total.toFixed(total < 10 ? 1 : 0))}s`;
  const whole = Math.round(total);
  const hours = Math.floor(whole / 3600);
  const minutes = Math.floor((whole % 3600) / 60);
  const secs = whole % 60;
  if (hours > 0) return `${hours}h ${minutes}m`;
  return secs === 0 ? `${minutes}m` : `${minutes}m ${secs}s`;
}

export function formatDuration(duration: Duration | undefined): string {
  if (duration === undefined) return NONE;
  return formatSeconds(Number(duration.seconds) + duration.nanos / 1e9);
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

export function orNone(value: string | number | bigint | undefined): string {
  if (value === undefined || value === "") return NONE;
  return String(value);
}

export function list(values: readonly string[]): string {
  return values.length === 0 ? NONE : values.join(",");
}
