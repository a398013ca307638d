import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";

export function durationMs(duration: Duration | undefined): number | undefined {
  if (duration === undefined) return undefined;
  return Number(duration.seconds) * 1000 + duration.nanos / 1e6;
}

/** "850 ms", "42 s", "3 min 5 s", "2 h 10 min". */
export function formatMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function formatDuration(duration: Duration | undefined): string {
  return formatMs(durationMs(duration));
}

export function toDate(time: Timestamp | undefined): Date | undefined {
  return time === undefined ? undefined : timestampDate(time);
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

export function formatTime(time: Timestamp | undefined): string {
  const date = toDate(time);
  return date === undefined ? "—" : dateTime.format(date);
}

/** "5 min ago": what a table of recent things needs at a glance. */
export function formatAgo(time: Timestamp | undefined, now = Date.now()): string {
  const date = toDate(time);
  if (date === undefined) return "—";
  const ms = now - date.getTime();
  if (ms < 60_000) return "just now";
  return `${formatMs(ms).replace(/ \d+ s$/, "")} ago`;
}

export function formatPercent(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio > 0 && ratio < 0.1 ? 1 : 0)}%`;
}
