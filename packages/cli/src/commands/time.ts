import { CliError, ExitCode } from "../exit-codes.js";

const units: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A span from now ("24h", "7d": before now, or after it for `future`), a date
 * ("2026-03-01", UTC) or an RFC 3339 time.
 */
export function parseTime(
  flag: string,
  value: string,
  options: { future?: boolean; now?: Date } = {},
): Date {
  const now = options.now ?? new Date();
  const age = /^(\d+)([mhdw])$/.exec(value);
  const sign = options.future === true ? 1 : -1;
  if (age) return new Date(now.getTime() + sign * Number(age[1]) * (units[age[2] ?? "d"] ?? 0));
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00Z`) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new CliError(
      `${flag} takes an age (24h, 7d), a date or an RFC 3339 time, not "${value}"`,
      ExitCode.usage,
    );
  }
  return date;
}
