import type { DemoReport } from "@hangar/server/main/demo.js";

// The demo's lines of the `hangar start` summary. Every number comes from the report,
// which was read back from the database, so the summary says what happened rather
// than what was asked for.

const indent = " ".repeat(15);

function seconds(values: readonly number[]): string {
  // GitHub's timestamps are whole seconds; a tenth is shown only where one exists.
  return values.map((value) => `${Number(value.toFixed(1))} s`).join(", ");
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function demoSummary(demo: DemoReport): string[] {
  const { runner, runners, jobs, deliveries } = demo;
  const lines = [
    `  Demo         workspace ${demo.workspace.slug} (namespace ${demo.workspace.namespace}), ` +
      `installation ${demo.installationId} linked, ${plural(demo.repositoriesSynced, "repository", "repositories")} synced`,
  ];
  if (demo.created.length > 0) lines.push(`${indent}created now: ${demo.created.join(", ")}`);
  const size = `${runner.cpu} CPU, ${runner.memory}, min idle ${runner.minIdle}, max ${runner.maxRunners}`;
  if (demo.runnersSkipped !== null) {
    // The Kubernetes line above says why.
    lines.push(`  Runners      none without Kubernetes; ${runner.name} (${size}) waits for it`);
    lines.push(`  Jobs         ${jobs.queued} queued; they stay queued without runners`);
  } else {
    const waiting = jobs.queued - jobs.completed;
    lines.push(
      `  Runners      ${runner.name} (${size}): ${plural(runners.started, "runner")} started (a pod each), ` +
        `${runners.connected} connected, ${runners.ranJob} ran a job, ${runners.failed} failed`,
      `  Jobs         ${jobs.queued} queued, ${jobs.completed} completed (${jobs.succeeded} succeeded)` +
        (jobs.queueSeconds.length > 0 ? `; queue times ${seconds(jobs.queueSeconds)}` : "") +
        (waiting > 0 ? `; ${waiting} not done when the demo stopped waiting` : ""),
    );
  }
  lines.push(
    `  Webhooks     ${deliveries.routed} routed, ${deliveries.ignored} ignored, ${deliveries.failed} failed`,
  );
  return lines;
}
