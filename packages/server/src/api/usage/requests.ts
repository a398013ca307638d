import { z } from "zod";
import { monthPeriod } from "../../domain/billing-statement.js";
import { required, uuid } from "../validation.js";

// The period of a usage request: a calendar month, a range of whole UTC days, or (neither
// given) the current month. Days are "YYYY-MM-DD", months "YYYY-MM".

/** A year of days, leap years included. */
export const MAX_PERIOD_DAYS = 366;
const DAY_MS = 86_400_000;

const day = z
  .string()
  .max(10, "must be a day, YYYY-MM-DD")
  .refine(
    (value) =>
      value === "" ||
      (/^\d{4}-\d{2}-\d{2}$/.test(value) &&
        !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
        new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value),
    "must be a day, YYYY-MM-DD",
  );

const month = z
  .string()
  .max(7, "must be a month, YYYY-MM")
  .regex(/^(\d{4}-(0[1-9]|1[0-2]))?$/, "must be a month, YYYY-MM");

export interface Period {
  /** First day, and the day after the last (UTC, YYYY-MM-DD). */
  from: string;
  to: string;
}

const periodFields = z
  .object({ workspaceId: required(uuid), month, startDay: day, endDay: day })
  .transform((request, ctx): { workspaceId: string } & Period => {
    const { workspaceId } = request;
    if (request.month !== "") {
      if (request.startDay !== "" || request.endDay !== "") {
        ctx.addIssue({
          code: "custom",
          path: [request.startDay !== "" ? "startDay" : "endDay"],
          message: "give either month or start_day and end_day, not both",
        });
        return z.NEVER;
      }
      return { workspaceId, ...monthPeriod(request.month) };
    }
    if (request.startDay === "" && request.endDay === "") {
      return { workspaceId, ...monthPeriod(new Date().toISOString().slice(0, 7)) };
    }
    if (request.startDay === "" || request.endDay === "") {
      ctx.addIssue({
        code: "custom",
        path: [request.startDay === "" ? "startDay" : "endDay"],
        message: "is required with the other end of the range",
      });
      return z.NEVER;
    }
    const days = (Date.parse(request.endDay) - Date.parse(request.startDay)) / DAY_MS;
    if (days <= 0) {
      ctx.addIssue({ code: "custom", path: ["endDay"], message: "must be after start_day" });
      return z.NEVER;
    }
    if (days > MAX_PERIOD_DAYS) {
      ctx.addIssue({
        code: "custom",
        path: ["endDay"],
        message: `must be at most ${MAX_PERIOD_DAYS} days after start_day`,
      });
      return z.NEVER;
    }
    return { workspaceId, from: request.startDay, to: request.endDay };
  });

export const getUsageRequest = periodFields;

export const exportKinds = ["statement", "events"] as const;
export type ExportKind = (typeof exportKinds)[number];

const kind = z.union(
  [z.literal("").transform((): ExportKind => "statement"), z.enum(exportKinds)],
  { error: `must be one of ${exportKinds.join(", ")}` },
);

/** ExportUsage's `kind`, beside the period (parsed as GetUsage's). */
export const exportKindRequest = z.object({ kind });
