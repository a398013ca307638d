import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import type { GitHubApp } from "../github/types.js";
import { createMetrics } from "./metrics.js";
import { registerGitHubGauges } from "./metrics-github.js";
import { registerOutboxGauges } from "./metrics-intake.js";
import { registerRunnerGauges } from "./metrics-runners.js";

// The Grafana dashboard and the alert rules under deploy/ are only as good as the
// metric names they query: a renamed metric would leave a blank panel or an alert that
// can never fire, and nobody would notice. Every expression must parse as PromQL and
// name only metrics a Hangar process serves.

const deploy = (path: string) =>
  readFileSync(fileURLToPath(new URL(`../../../../deploy/${path}`, import.meta.url)), "utf8");

/** Every metric name a process registers, with a histogram's series suffixes. */
function servedNames(): Set<string> {
  const metrics = createMetrics();
  // Scrape-time gauges are registered without being collected: nothing is queried.
  const db = {} as Parameters<typeof registerRunnerGauges>[1];
  registerRunnerGauges(metrics, db);
  registerOutboxGauges(metrics, db);
  registerGitHubGauges(metrics, { rateLimitSnapshot: () => [] } as unknown as Pick<
    GitHubApp,
    "rateLimitSnapshot"
  >);
  const names = new Set<string>(["up"]);
  for (const metric of metrics.registry.getMetricsAsArray()) {
    names.add(metric.name);
    for (const suffix of ["_bucket", "_sum", "_count"]) names.add(`${metric.name}${suffix}`);
  }
  return names;
}

/** Grafana's interval variables stand where PromQL wants a duration. */
const withGrafanaVariables = (expr: string) =>
  expr.replace(/\$__(rate_interval|interval|range)\b/g, "5m");

/** Metric names the expression selects; throws on any syntax error. */
function selectedMetrics(expr: string): string[] {
  const tree = parser.parse(expr);
  const names: string[] = [];
  const errors: number[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        names.push(expr.slice(node.from, node.to));
      }
    },
  });
  if (errors.length > 0) {
    throw new Error(`PromQL syntax error at ${errors[0]} in: ${expr}`);
  }
  return names;
}

interface DashboardPanel {
  type: string;
  title: string;
  targets?: { expr: string }[];
}

const dashboard = JSON.parse(deploy("grafana/hangar-overview.json")) as {
  uid: string;
  panels: DashboardPanel[];
  templating: { list: { name: string; query: unknown }[] };
};

const alerts = parseYaml(deploy("prometheus/hangar-alerts.yaml")) as {
  groups: {
    name: string;
    rules: { alert: string; expr: string; labels?: Record<string, string> }[];
  }[];
};

describe("deploy/ assets", () => {
  const served = servedNames();

  it("the dashboard's panels query only metrics Hangar serves", () => {
    const expressions = dashboard.panels.flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr })),
    );
    expect(expressions.length).toBeGreaterThan(15);
    for (const { panel, expr } of expressions) {
      const names = selectedMetrics(withGrafanaVariables(expr));
      expect(names.length, `${panel} selects no metric`).toBeGreaterThan(0);
      for (const name of names) expect(served, `${panel}: ${name}`).toContain(name);
    }
    // The variables' label_values() queries name metrics too.
    for (const variable of dashboard.templating.list) {
      const query = typeof variable.query === "string" ? variable.query : "";
      const inner = /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1];
      if (inner === undefined) continue;
      for (const name of selectedMetrics(inner)) expect(served).toContain(name);
    }
  });

  it("every panel has a unique id and the dashboard a stable uid", () => {
    const ids = dashboard.panels.map((panel) => (panel as unknown as { id: number }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(dashboard.uid).toBe("hangar-overview");
  });

  it("the alert rules parse, name served metrics and say how bad they are", () => {
    const rules = alerts.groups.flatMap((group) => group.rules);
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining([
        "HangarJobsStuckInQueue",
        "HangarOutboxGrowing",
        "HangarGitHubRateLimitLow",
        "HangarRunnerFailures",
      ]),
    );
    expect(new Set(rules.map((rule) => rule.alert)).size).toBe(rules.length);
    for (const rule of rules) {
      const names = selectedMetrics(rule.expr.trim());
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) expect(served, `${rule.alert}: ${name}`).toContain(name);
      expect(["warning", "critical"], rule.alert).toContain(rule.labels?.severity);
    }
  });

  it("finds a misspelt metric and a syntax error", () => {
    expect(() => selectedMetrics("rate(gha_started_jobs_total[5m]")).toThrow(/syntax/);
    expect(served).not.toContain(selectedMetrics("gha_started_job_total")[0]);
  });
});
