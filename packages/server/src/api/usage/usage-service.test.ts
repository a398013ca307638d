import { createClient } from "@connectrpc/connect";
import { Code, ConnectError } from "@connectrpc/connect";
import { UsageService } from "@hangar/api/usage_service_pb.js";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import {
  csvRecord,
  statementCsv,
  usageEventsCsv,
  usageEventsCsvHeader,
} from "../../domain/billing-csv.js";
import { monthlyStatement, usageEventsPage } from "../../storage/usage-statements.js";
import { bearer, startHarness, type ApiHarness } from "../test/harness.js";
import { EVENTS_PAGE_SIZE } from "./csv-chunks.js";

// UsageService and the usage.csv download over a dataset written straight into the
// ledger and its daily totals, against figures computed by hand below.

let database: TestDatabase;
let temporal: TestTemporal;
let h: ApiHarness;
let offeringName: string;
/** March's ledger events: more than two pages, so the export streams several pieces. */
const MARCH_EVENTS = EVENTS_PAGE_SIZE * 2 + 37;

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
  h = await startHarness({ db: database.db, temporal });
  const { workspaceId, offeringId } = h.tenant;
  offeringName = (
    await h.db
      .selectFrom("runner_offerings")
      .select("name")
      .where("id", "=", offeringId)
      .executeTakeFirstOrThrow()
  ).name;
  const daily = (
    day: string,
    offering: string | null,
    jobs: number,
    minutes: number,
    seconds: number,
    amount: string,
    workspace = workspaceId,
  ) => ({
    workspace_id: workspace,
    day,
    offering_id: offering,
    currency: "USD",
    job_count: jobs,
    minutes,
    seconds,
    amount,
  });
  await h.db
    .insertInto("usage_daily")
    .values([
      daily("2026-03-03", offeringId, 2, 7, 400, "0.056000"),
      daily("2026-03-20", offeringId, 1, 10, 600, "0.100000"),
      daily("2026-03-20", null, 1, 5, 300, "0.120000"),
      daily("2026-04-01", offeringId, 1, 1, 60, "0.010000"),
      daily("2026-02-28", offeringId, 4, 4, 240, "0.040000"),
      // Another workspace's March: never in this one's figures.
      daily("2026-03-03", h.other.offeringId, 9, 90, 5400, "0.900000", h.other.workspaceId),
    ])
    .execute();
  await h.db
    .insertInto("runner_infra_daily")
    .values({
      workspace_id: workspaceId,
      day: "2026-03-03",
      offering_id: offeringId,
      instance_count: 3,
      boot_ms: 90_000,
      idle_ms: 120_500,
      busy_ms: 400_000,
    })
    .execute();
  // The ledger: MARCH_EVENTS jobs a minute apart from March 2nd, and one in April.
  await sql`
    INSERT INTO jobs (github_job_id, github_run_id, run_attempt, github_repository_id,
      installation_id, workspace_id, runner_id, name, workflow_name, head_branch, head_sha,
      labels, status, conclusion, github_created_at, github_started_at, github_completed_at)
    SELECT 70000000000 + n, 80000000000 + n, 1, ${h.tenant.repositoryId}, ${h.tenant.installationId},
      ${workspaceId}, ${h.tenant.runnerId}, 'build, "quoted"', 'CI', 'main',
      '4f9d6c1e0b3a2d5c8e7f6a9b0c1d2e3f4a5b6c7d', ARRAY['hangar-4cpu'], 'completed', 'success',
      t - interval '3 minutes', t - interval '150 seconds', t
    FROM generate_series(0, ${MARCH_EVENTS}) AS n,
      LATERAL (SELECT CASE WHEN n = ${MARCH_EVENTS} THEN timestamptz '2026-04-02T10:00:00Z'
        ELSE timestamptz '2026-03-02T00:00:00Z' + n * interval '1 minute' END AS t) AS times
  `.execute(h.db);
  await sql`
    INSERT INTO usage_events (github_job_id, workspace_id, project_id, runner_id, offering_id,
      github_repository_id, billable_minutes, billable_seconds, unit_price, amount, currency, occurred_at)
    SELECT github_job_id, workspace_id, ${h.tenant.projectId}, runner_id, ${offeringId},
      github_repository_id, 3, 180, 0.008, 0.024, 'USD', github_completed_at
    FROM jobs WHERE github_job_id >= 70000000000
  `.execute(h.db);
  // The statements' figures are the hand-written daily totals above; this ledger is
  // there for the export, so none of it is left queued for the rollup to add.
  await h.db.deleteFrom("usage_rollup_pending").execute();
});
afterAll(async () => {
  await h.stop();
  await temporal.close();
  await database.close();
});

const usage = () => createClient(UsageService, h.transports.http2);

async function refusal(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("expected the call to fail");
}

const seconds = (value: bigint, nanos = 0) => ({ seconds: value, nanos });

async function exported(request: object, token: string): Promise<{ text: string; pieces: number }> {
  const decoder = new TextDecoder();
  let text = "";
  let pieces = 0;
  for await (const message of usage().exportUsage(request, bearer(token))) {
    text += decoder.decode(message.data, { stream: true });
    pieces += 1;
  }
  return { text: text + decoder.decode(), pieces };
}

async function eventsCsv(workspaceId: string, from: string, to: string): Promise<string> {
  const page = await usageEventsPage(h.db, { workspaceId, from, to, limit: 1_000_000 });
  return csvRecord(usageEventsCsvHeader) + usageEventsCsv(page.rows);
}

describe("GetUsage", () => {
  it("answers March's statement and its days as computed by hand", async () => {
    const { workspaceId, offeringId } = h.tenant;
    const answer = await usage().getUsage(
      { workspaceId, month: "2026-03" },
      bearer(h.tokens.roles.viewer),
    );
    expect(answer.startDay).toBe("2026-03-01");
    expect(answer.endDay).toBe("2026-04-01");
    expect(answer.lines).toHaveLength(2);
    expect(answer.lines[0]).toMatchObject({
      offeringId,
      offeringName,
      currency: "USD",
      jobs: 3n,
      startedMinutes: 17n,
      billedSeconds: 1000n,
      amount: "0.156000",
      infra: {
        instances: 3n,
        boot: seconds(90n),
        idle: seconds(120n, 500_000_000),
        busy: seconds(400n),
      },
    });
    expect(answer.lines[1]).toMatchObject({
      offeringId: "",
      offeringName: "",
      jobs: 1n,
      startedMinutes: 5n,
      billedSeconds: 300n,
      amount: "0.120000",
      infra: { instances: 0n },
    });
    expect(answer.totals).toHaveLength(1);
    expect(answer.totals[0]).toMatchObject({
      currency: "USD",
      jobs: 4n,
      startedMinutes: 22n,
      billedSeconds: 1300n,
      amount: "0.276000",
    });
    expect(answer.infra).toMatchObject({ instances: 3n, busy: seconds(400n) });
    expect(
      answer.days.map((d) => [d.day, d.offeringId, d.currency, d.jobs, d.billedSeconds, d.amount]),
    ).toEqual([
      ["2026-03-03", offeringId, "USD", 2n, 400n, "0.056000"],
      ["2026-03-20", offeringId, "USD", 1n, 600n, "0.100000"],
      ["2026-03-20", "", "USD", 1n, 300n, "0.120000"],
    ]);
  });

  it("takes a range of days, and the current month when given neither", async () => {
    const { workspaceId } = h.tenant;
    const range = await usage().getUsage(
      { workspaceId, startDay: "2026-03-20", endDay: "2026-04-02" },
      bearer(h.tokens.roles.viewer),
    );
    expect(range.totals[0]).toMatchObject({ jobs: 3n, billedSeconds: 960n, amount: "0.230000" });
    expect(range.days.map((d) => d.day)).toEqual(["2026-03-20", "2026-03-20", "2026-04-01"]);
    const current = await usage().getUsage({ workspaceId }, bearer(h.tokens.roles.viewer));
    const month = new Date().toISOString().slice(0, 7);
    expect(current.startDay).toBe(`${month}-01`);
    expect(current.endDay > current.startDay).toBe(true);
  });

  it("refuses malformed periods, naming the field", async () => {
    const { workspaceId } = h.tenant;
    const cases: [object, string][] = [
      [{ month: "2026-13" }, "month: must be a month, YYYY-MM"],
      [{ month: "2026-03", startDay: "2026-03-01" }, "start_day: give either month"],
      [{ startDay: "2026-03-01" }, "end_day: is required"],
      [{ endDay: "2026-03-01" }, "start_day: is required"],
      [{ startDay: "2026-02-30", endDay: "2026-03-01" }, "start_day: must be a day"],
      [{ startDay: "2026-03-02", endDay: "2026-03-02" }, "end_day: must be after start_day"],
      [{ startDay: "2025-01-01", endDay: "2026-01-03" }, "end_day: must be at most 366 days"],
    ];
    for (const [period, message] of cases) {
      const error = await refusal(
        usage().getUsage({ workspaceId, ...period }, bearer(h.tokens.roles.viewer)),
      );
      expect(error.code, message).toBe(Code.InvalidArgument);
      expect(error.rawMessage).toContain(message);
    }
    // A leap year's 366 days are allowed.
    await usage().getUsage(
      { workspaceId, startDay: "2028-01-01", endDay: "2029-01-01" },
      bearer(h.tokens.roles.viewer),
    );
  });
});

describe("ExportUsage", () => {
  it("streams the statement that statementCsv() renders", async () => {
    const { workspaceId } = h.tenant;
    const { text } = await exported({ workspaceId, month: "2026-03" }, h.tokens.roles.admin);
    expect(text).toBe(
      statementCsv(await monthlyStatement(h.db, { workspaceId, month: "2026-03" })),
    );
    expect(text).toContain("total,2026-03-01,2026-04-01,,,USD,4,22,1300,21.67,0.276000");
  });

  it("streams every ledger event, header first, a page per piece", async () => {
    const { workspaceId } = h.tenant;
    const { text, pieces } = await exported(
      { workspaceId, month: "2026-03", kind: "events" },
      h.tokens.roles.admin,
    );
    const expected = await eventsCsv(workspaceId, "2026-03-01", "2026-04-01");
    expect(text).toBe(expected);
    expect(text.split("\r\n").length - 2).toBe(MARCH_EVENTS);
    // The header, then three pages.
    expect(pieces).toBe(4);
    const empty = await exported(
      { workspaceId, month: "2025-01", kind: "events" },
      h.tokens.roles.admin,
    );
    expect(empty.text).toBe(csvRecord(usageEventsCsvHeader));
  });

  it("stops reading when the caller goes away", async () => {
    const { workspaceId } = h.tenant;
    const controller = new AbortController();
    let received = 0;
    const stream = usage().exportUsage(
      { workspaceId, month: "2026-03", kind: "events" },
      { ...bearer(h.tokens.roles.admin), signal: controller.signal },
    );
    const error = await (async () => {
      try {
        for await (const _message of stream) {
          received += 1;
          controller.abort();
        }
      } catch (thrown) {
        return ConnectError.from(thrown);
      }
      return undefined;
    })();
    expect(received).toBe(1);
    expect(error?.code).toBe(Code.Canceled);
    // The server is none the worse for it.
    const again = await exported({ workspaceId, month: "2026-03" }, h.tokens.roles.admin);
    expect(again.text.startsWith("row,period_from")).toBe(true);
  });
});

describe("GET /v1/workspaces/{id}/usage.csv", () => {
  const url = (workspaceId: string, query: string) =>
    `${h.api.url}/v1/workspaces/${workspaceId}/usage.csv${query}`;
  const get = (target: string, token?: string) =>
    fetch(target, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  it("downloads the statement and the ledger as attachments", async () => {
    const { workspaceId } = h.tenant;
    const statement = await get(url(workspaceId, "?month=2026-03"), h.tokens.roles.admin);
    expect(statement.status).toBe(200);
    expect(statement.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(statement.headers.get("content-disposition")).toBe(
      'attachment; filename="usage-2026-03-01-2026-04-01-statement.csv"',
    );
    expect(await statement.text()).toBe(
      statementCsv(await monthlyStatement(h.db, { workspaceId, month: "2026-03" })),
    );
    const events = await get(url(workspaceId, "?month=2026-03&kind=events"), h.tokens.roles.owner);
    expect(events.status).toBe(200);
    expect(await events.text()).toBe(await eventsCsv(workspaceId, "2026-03-01", "2026-04-01"));
  });

  it("requires a token and an admin, hides other workspaces and names bad parameters", async () => {
    const { workspaceId } = h.tenant;
    const target = url(workspaceId, "?month=2026-03");
    const anonymous = await get(target);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ code: "unauthenticated" });
    expect((await get(target, "hgr_not-a-token")).status).toBe(401);
    const viewer = await get(target, h.tokens.roles.viewer);
    expect(viewer.status).toBe(403);
    expect(await viewer.json()).toMatchObject({ code: "permission_denied" });
    // Another workspace's usage does not exist for this caller.
    const foreign = await get(url(h.other.workspaceId, "?month=2026-03"), h.tokens.roles.owner);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ code: "not_found" });
    const badMonth = await get(url(workspaceId, "?month=March"), h.tokens.roles.admin);
    expect(badMonth.status).toBe(400);
    expect(((await badMonth.json()) as { message: string }).message).toContain("month:");
    const unknown = await get(url(workspaceId, "?month=2026-03&format=xlsx"), h.tokens.roles.admin);
    expect(unknown.status).toBe(400);
    const badKind = await get(url(workspaceId, "?kind=everything"), h.tokens.roles.admin);
    expect(((await badKind.json()) as { message: string }).message).toContain("kind:");
    expect((await get(url("not-a-uuid", ""), h.tokens.roles.admin)).status).toBe(400);
  });
});
