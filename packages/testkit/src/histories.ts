import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@temporalio/client";
import { historyFromJSON, historyToJSON } from "@temporalio/common/lib/proto-utils.js";
import type { temporal } from "@temporalio/proto";

// Recorded workflow histories are committed next to the workflow code, and
// every test run replays all of them against the current code: a change that
// would break workflows already running (non-determinism) fails CI instead of
// production. Record or refresh them with `HANGAR_RECORD_HISTORIES=1 npm test`.

export function recordingHistories(): boolean {
  return process.env["HANGAR_RECORD_HISTORIES"] === "1";
}

/** Saves a finished workflow's history as `<dir>/<name>.json` when recording is on. */
export async function recordHistory(
  client: Client,
  workflowId: string,
  dir: string,
  name: string,
): Promise<void> {
  if (!recordingHistories()) return;
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${historyToJSON(history)}\n`);
}

export function loadHistories(
  dir: string,
): { workflowId: string; history: temporal.api.history.v1.IHistory }[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => ({
      workflowId: file.replace(/\.json$/, ""),
      history: historyFromJSON(JSON.parse(readFileSync(join(dir, file), "utf8"))),
    }));
}
