// The `check` section of `npm run bench:api`: latency of authorization checks at fan-out
// 1, 20 and 200, next to a primary-key SELECT on the same database as the yardstick.
//
// The table first gets ~100k unrelated tuples: 2,400 workspaces with their role chain,
// five projects each (the model's seven tuples per project) and four members each, so the
// indexes are as deep as in a real installation; VACUUM ANALYZE then leaves it as
// autovacuum would (statistics, and a visibility map for index-only scans). Then, per fan-out N, two shapes:
//
// - "grants" (the model as used): a workspace W and its project P, with N users granted
//   each of P's four roles directly and N users granted each of W's four roles. The
//   caller is one of W's owners and asks for viewer on P, so the walk goes
//   project:P#viewer → project:P#member / workspace:W#viewer → … → workspace:W#owner:
//   eight object#relation nodes, each holding N subject ids (8N tuples in reach).
// - "sets" (a stress of the engine, not a shape the model writes: there, no object#relation
//   holds more than two subject sets): project:P#viewer holds N subject sets, one per
//   workspace W1…WN (`project:P#viewer@workspace:Wi#viewer`), each workspace with its role
//   chain and one owner; the caller owns WN. The walk opens all N sets at the first level
//   and each one's chain below it: 1 + 4N nodes.
//
// Each shape is checked for the caller (true), for a member of another workspace (false,
// after walking the whole graph) and for a subject with no tuples at all (false; the plan
// starts from the subject's own tuples, so there is nothing to walk). Checks run one after another on one connection, so
// the numbers are latency, not throughput.
import { randomUUID } from "node:crypto";
import { sql, type Kysely } from "kysely";
import {
  check,
  projectTuples,
  userSubject,
  workspaceTuples,
  writeTuples,
  type CheckRequest,
  type RelationTuple,
} from "@hangar/server/authz/index.js";
import type { Database } from "@hangar/server/storage/schema.js";

export const FAN_OUTS = [1, 20, 200] as const;
export const TARGET_P95_MS = 10;

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
}

/** Who asks: the subject the shape grants, a member of another workspace, or nobody. */
export type Caller = "granted" | "elsewhere" | "no tuples";

export interface CheckRow {
  shape: "grants" | "sets";
  fanOut: number;
  tuplesInReach: number;
  caller: Caller;
  answer: boolean;
  latency: Percentiles;
}

export interface CheckBenchResult {
  baseline: Percentiles;
  rows: CheckRow[];
  totalTuples: number;
}

/** Nearest-rank quantile: always a value that was measured. */
function quantile(sorted: readonly number[], q: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

async function time(iterations: number, run: () => Promise<unknown>): Promise<Percentiles> {
  for (let i = 0; i < Math.min(200, iterations); i++) await run(); // warm-up: plans, JIT
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = performance.now();
    await run();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return {
    p50: quantile(samples, 0.5),
    p95: quantile(samples, 0.95),
    p99: quantile(samples, 0.99),
  };
}

async function insert(db: Kysely<Database>, tuples: RelationTuple[]): Promise<void> {
  for (let i = 0; i < tuples.length; i += 1000) {
    await db.transaction().execute((trx) => writeTuples(trx, tuples.slice(i, i + 1000)));
  }
}

/** ~100k tuples of other tenants, written set-wise: the same shapes the writers produce. */
async function unrelatedTuples(db: Kysely<Database>): Promise<void> {
  await sql`
    WITH w AS (SELECT gen_random_uuid()::text AS id FROM generate_series(1, 2400)),
    p AS (SELECT w.id AS w, gen_random_uuid()::text AS id FROM w, generate_series(1, 5)),
    roles (role, above, n) AS (VALUES ('owner', NULL, 1), ('admin', 'owner', 2),
                                      ('member', 'admin', 3), ('viewer', 'member', 4)),
    rows (namespace, object, relation, subject_id, sns, sobj, srel) AS (
      SELECT 'workspace', w.id, r.role, NULL, 'workspace', w.id, r.above
        FROM w, roles r WHERE r.above IS NOT NULL
      UNION ALL
      SELECT 'project', p.id, r.role, NULL, 'project', p.id, r.above
        FROM p, roles r WHERE r.above IS NOT NULL
      UNION ALL
      SELECT 'project', p.id, r.role, NULL, 'workspace', p.w, r.role FROM p, roles r
      UNION ALL
      SELECT 'workspace', w.id, r.role, 'user:' || gen_random_uuid(), NULL, NULL, NULL
        FROM w, roles r
    )
    INSERT INTO relation_tuples (namespace, object, relation, subject_id,
      subject_set_namespace, subject_set_object, subject_set_relation)
    SELECT * FROM rows`.execute(db);
}

interface Scenario {
  shape: "grants" | "sets";
  fanOut: number;
  tuplesInReach: number;
  allowed: CheckRequest;
}

async function grantsShape(db: Kysely<Database>, n: number): Promise<Scenario> {
  const [workspace, project] = [randomUUID(), randomUUID()];
  const caller = userSubject(randomUUID());
  const tuples = [...workspaceTuples(workspace), ...projectTuples(workspace, project)];
  for (const role of ["owner", "admin", "member", "viewer"]) {
    for (let i = 0; i < n; i++) {
      tuples.push({
        namespace: "project",
        object: project,
        relation: role,
        subject: userSubject(randomUUID()),
      });
      // The caller takes the place of one of the workspace's owners.
      const subject = role === "owner" && i === n - 1 ? caller : userSubject(randomUUID());
      tuples.push({ namespace: "workspace", object: workspace, relation: role, subject });
    }
  }
  await insert(db, tuples);
  return {
    shape: "grants",
    fanOut: n,
    tuplesInReach: 8 * n,
    allowed: { namespace: "project", object: project, relation: "viewer", subject: caller },
  };
}

async function setsShape(db: Kysely<Database>, n: number): Promise<Scenario> {
  const project = randomUUID();
  const caller = userSubject(randomUUID());
  const tuples: RelationTuple[] = [];
  for (let i = 0; i < n; i++) {
    const workspace = randomUUID();
    tuples.push(...workspaceTuples(workspace), {
      namespace: "project",
      object: project,
      relation: "viewer",
      subject: { namespace: "workspace", object: workspace, relation: "viewer" },
    });
    const owner = i === n - 1 ? caller : userSubject(randomUUID());
    tuples.push({ namespace: "workspace", object: workspace, relation: "owner", subject: owner });
  }
  await insert(db, tuples);
  return {
    shape: "sets",
    fanOut: n,
    tuplesInReach: 5 * n,
    allowed: { namespace: "project", object: project, relation: "viewer", subject: caller },
  };
}

export async function measureChecks(
  db: Kysely<Database>,
  options: { iterations: number; log: (line: string) => void },
): Promise<CheckBenchResult> {
  const { iterations, log } = options;
  log("check: writing ~100k unrelated tuples …");
  await unrelatedTuples(db);
  const scenarios: Scenario[] = [];
  // Owner of a workspace of its own (with a project), so it has tuples the walk can meet.
  const outsider = userSubject(randomUUID());
  const [elsewhere, elsewhereProject] = [randomUUID(), randomUUID()];
  await insert(db, [
    ...workspaceTuples(elsewhere),
    ...projectTuples(elsewhere, elsewhereProject),
    { namespace: "workspace", object: elsewhere, relation: "owner", subject: outsider },
  ]);
  for (const n of FAN_OUTS) {
    scenarios.push(await grantsShape(db, n), await setsShape(db, n));
  }
  await sql`VACUUM ANALYZE relation_tuples`.execute(db);
  const { total, maxId } = await db
    .selectFrom("relation_tuples")
    .select((eb) => [eb.fn.countAll<string>().as("total"), eb.fn.max("id").as("maxId")])
    .executeTakeFirstOrThrow();

  // The yardstick: one row by primary key, a random one each time, on the same table.
  const top = Number(maxId);
  const baseline = await time(iterations, () =>
    db
      .selectFrom("relation_tuples")
      .select(["id", "namespace", "object", "relation"])
      .where("id", "=", BigInt(1 + Math.floor(Math.random() * top)))
      .executeTakeFirst(),
  );

  const rows: CheckRow[] = [];
  for (const scenario of scenarios) {
    const callers: [Caller, CheckRequest, boolean][] = [
      ["granted", scenario.allowed, true],
      ["elsewhere", { ...scenario.allowed, subject: outsider }, false],
      ["no tuples", { ...scenario.allowed, subject: userSubject(randomUUID()) }, false],
    ];
    for (const [caller, request, answer] of callers) {
      const what = `${scenario.shape} fan-out ${scenario.fanOut}, caller ${caller}`;
      if ((await check(db, request)) !== answer)
        throw new Error(`check answered ${!answer}: ${what}`);
      const latency = await time(iterations, () => check(db, request));
      const { shape, fanOut, tuplesInReach } = scenario;
      rows.push({ shape, fanOut, tuplesInReach, caller, answer, latency });
      log(`check: ${what} → ${answer}: p95 ${latency.p95.toFixed(2)} ms`);
    }
  }
  return { baseline, rows, totalTuples: Number(total) };
}

export function reportChecks(result: CheckBenchResult): boolean {
  const ms = (value: number) => Number(value.toFixed(3));
  const row = (name: string, reach: number, p: Percentiles) => ({
    query: name,
    "tuples in reach": reach,
    "p50 ms": ms(p.p50),
    "p95 ms": ms(p.p95),
    "p99 ms": ms(p.p99),
    "p95 / baseline": ms(p.p95 / result.baseline.p95),
  });
  const name = (r: CheckRow) => `${r.shape} ${r.fanOut}, ${r.caller} → ${r.answer}`;
  console.log(`\ncheck latency, ${result.totalTuples} tuples in relation_tuples`);
  console.table([
    row("baseline: SELECT by primary key", 1, result.baseline),
    ...result.rows.map((r) => row(`check ${name(r)}`, r.tuplesInReach, r.latency)),
  ]);
  // The target is for the model's own shape; "sets" is reported as the engine's stress.
  let pass = true;
  for (const r of result.rows.filter((r) => r.fanOut === 200)) {
    const target = r.shape === "grants";
    const ok = r.latency.p95 <= TARGET_P95_MS;
    if (target) pass &&= ok;
    console.log(
      `check ${name(r)}: p95 ${ms(r.latency.p95)} ms ` +
        (target ? `(target ≤ ${TARGET_P95_MS} ms) ${ok ? "PASS" : "FAIL"}` : "(stress, no target)"),
    );
  }
  return pass;
}
