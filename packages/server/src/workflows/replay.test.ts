import { Worker } from "@temporalio/worker";
import { describe, expect, it } from "vitest";
import { loadHistories } from "@hangar/testkit";
import { historiesDir, workflowsPath } from "../workflow-bundle.js";

describe("recorded workflow histories", () => {
  it("replay deterministically against the current workflow code", async () => {
    const histories = loadHistories(historiesDir);
    expect(histories.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowsPath }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${String(result.error)}`);
    }
    expect(failures).toEqual([]);
  });
});
