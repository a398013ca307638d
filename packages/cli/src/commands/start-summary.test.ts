import type { DemoReport } from "@hangar/server/main/demo.js";
import { describe, expect, it } from "vitest";
import { demoSummary } from "./start-summary.js";

const report: DemoReport = {
  installationId: 40_000,
  workspace: { slug: "demo", namespace: "hangar-demo" },
  created: [],
  repositoriesSynced: 2,
  runner: {
    id: "r",
    name: "hangar-small",
    cpu: "500m",
    memory: "512Mi",
    minIdle: 1,
    maxRunners: 5,
  },
  runnersSkipped: null,
  runners: { started: 4, connected: 4, ranJob: 3, failed: 0 },
  jobs: { queued: 3, recorded: 3, completed: 3, succeeded: 3, queueSeconds: [0, 2.5, 3] },
  deliveries: { routed: 14, ignored: 0, failed: 0 },
  skippedIds: { jobs: 0, runs: 0, complete: true },
};

describe("demoSummary", () => {
  it("says what the runners and jobs did", () => {
    expect(demoSummary(report)).toEqual([
      "  Demo         workspace demo (namespace hangar-demo), installation 40000 linked, 2 repositories synced",
      "  Runners      hangar-small (500m CPU, 512Mi, min idle 1, max 5): 4 runners started (a pod each), 4 connected, 3 ran a job, 0 failed",
      "  Jobs         3 queued, 3 completed (3 succeeded); queue times 0 s, 2.5 s, 3 s",
      "  Webhooks     14 routed, 0 ignored, 0 failed",
    ]);
  });

  it("names what a first start created, and jobs still running when the demo stopped waiting", () => {
    const lines = demoSummary({
      ...report,
      created: ["workspace", "runner configuration"],
      jobs: { queued: 3, recorded: 3, completed: 1, succeeded: 1, queueSeconds: [0] },
    });
    expect(lines).toContain("               created now: workspace, runner configuration");
    expect(lines).toContain(
      "  Jobs         3 queued, 1 completed (1 succeeded); queue times 0 s; 2 not done when the demo stopped waiting",
    );
  });

  it("says the jobs stay queued without Kubernetes", () => {
    const lines = demoSummary({
      ...report,
      runnersSkipped: "HANGAR_KWOK_BIN=/nonexistent is not an executable",
      runners: { started: 0, connected: 0, ranJob: 0, failed: 0 },
      jobs: { queued: 3, recorded: 3, completed: 0, succeeded: 0, queueSeconds: [] },
    });
    expect(lines.slice(1, 3)).toEqual([
      "  Runners      none without Kubernetes; hangar-small (500m CPU, 512Mi, min idle 1, max 5) waits for it",
      "  Jobs         3 queued; they stay queued without runners",
    ]);
  });
});
