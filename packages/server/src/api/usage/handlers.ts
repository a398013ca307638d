import { create } from "@bufbuild/protobuf";
import { DurationSchema, type Duration } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  ExportUsageResponseSchema,
  GetUsageResponseSchema,
  InfraUsageSchema,
  UsageDaySchema,
  UsageLineSchema,
  UsageTotalSchema,
  type ExportUsageRequest,
  type ExportUsageResponse,
  type GetUsageRequest,
  type GetUsageResponse,
  type InfraUsage,
} from "@hangar/api/usage_service_pb.js";
import type { Kysely } from "kysely";
import { formatMicros, parseMicros } from "../../domain/billing.js";
import type { UsageStatement } from "../../domain/billing-statement.js";
import type { Database } from "../../storage/schema.js";
import { exactDailyUsage } from "../../storage/usage-rollup.js";
import { usageStatement } from "../../storage/usage-statements.js";
import { callerOf, requestInfo } from "../context.js";
import { mapError } from "../errors.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import { usageCsvPieces } from "./csv-chunks.js";
import { exportKindRequest, getUsageRequest, type Period } from "./requests.js";

// UsageService: a workspace's statement with its days (viewers), and the same period as
// CSV, streamed (admins: the ledger names every job and what it cost).

function duration(ms: number): Duration {
  return create(DurationSchema, {
    seconds: BigInt(Math.floor(ms / 1000)),
    nanos: (ms % 1000) * 1_000_000,
  });
}

function infraUsage(infra: UsageStatement["infra"]): InfraUsage {
  return create(InfraUsageSchema, {
    instances: BigInt(infra.instances),
    boot: duration(infra.bootMs),
    idle: duration(infra.idleMs),
    busy: duration(infra.busyMs),
  });
}

/** The exact daily totals over the period, a row per day, offering and currency: one query. */
async function usageDays(db: Kysely<Database>, workspaceId: string, period: Period) {
  const rows = await db
    .selectFrom(exactDailyUsage(db))
    .select((eb) => [
      "day",
      "offering_id",
      "currency",
      eb.fn.sum<string>("job_count").as("jobs"),
      eb.fn.sum<string>("seconds").as("seconds"),
      eb.fn.sum<string>("amount").as("amount"),
    ])
    .where("workspace_id", "=", workspaceId)
    .where("day", ">=", period.from)
    .where("day", "<", period.to)
    .groupBy(["day", "offering_id", "currency"])
    .orderBy("day")
    .orderBy("offering_id")
    .orderBy("currency")
    .execute();
  return rows.map((row) =>
    create(UsageDaySchema, {
      day: row.day,
      offeringId: row.offering_id ?? "",
      currency: row.currency,
      jobs: BigInt(row.jobs),
      billedSeconds: BigInt(row.seconds),
      amount: formatMicros(parseMicros(row.amount)),
    }),
  );
}

export function createUsageHandlers(deps: ServiceDeps) {
  const { db, authorize } = deps;

  return {
    async getUsage(request: GetUsageRequest, context: HandlerContext): Promise<GetUsageResponse> {
      const input = parseRequest(getUsageRequest, request);
      await authorize(callerOf(context), "usage.read", input, "workspace", input.workspaceId);
      const [statement, days] = await Promise.all([
        usageStatement(db, input),
        usageDays(db, input.workspaceId, input),
      ]);
      return create(GetUsageResponseSchema, {
        startDay: statement.from,
        endDay: statement.to,
        lines: statement.lines.map((line) =>
          create(UsageLineSchema, {
            offeringId: line.offeringId ?? "",
            offeringName: line.offeringName ?? "",
            currency: line.currency ?? "",
            jobs: BigInt(line.jobs),
            startedMinutes: BigInt(line.startedMinutes),
            billedSeconds: BigInt(line.billedSeconds),
            amount: line.amount,
            infra: infraUsage(line.infra),
          }),
        ),
        totals: statement.totals.map((total) =>
          create(UsageTotalSchema, {
            currency: total.currency,
            jobs: BigInt(total.jobs),
            startedMinutes: BigInt(total.startedMinutes),
            billedSeconds: BigInt(total.billedSeconds),
            amount: total.amount,
          }),
        ),
        infra: infraUsage(statement.infra),
        days,
      });
    },

    async *exportUsage(
      request: ExportUsageRequest,
      context: HandlerContext,
    ): AsyncGenerator<ExportUsageResponse> {
      const { requestId, logger } = requestInfo(context);
      try {
        const period = parseRequest(getUsageRequest, request);
        const { kind } = parseRequest(exportKindRequest, request);
        await authorize(callerOf(context), "usage.export", period, "workspace", period.workspaceId);
        const encoder = new TextEncoder();
        for await (const piece of usageCsvPieces(db, { ...period, kind }, context.signal)) {
          yield create(ExportUsageResponseSchema, { data: encoder.encode(piece) });
        }
      } catch (thrown) {
        // A stream's failure reaches the caller after the interceptors have returned, so
        // it is mapped (and an unexpected one logged, never shown) here.
        if (context.signal.aborted) {
          throw new ConnectError("the caller went away", Code.Canceled);
        }
        const { error, unexpected } = mapError(thrown, requestId);
        if (unexpected) logger.error({ error: thrown }, "usage export failed");
        throw error;
      }
    },
  };
}
