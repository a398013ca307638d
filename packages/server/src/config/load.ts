import { readFileSync } from "node:fs";
import { readEnvironment, type ReadFile } from "./environment.js";
import { parseConfig } from "./schema.js";
import type { Config, ConfigIssue } from "./types.js";

/**
 * Every problem with the configuration at once, so an operator fixes them in
 * one round instead of one restart per typo. Messages name variables and never
 * carry their values.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    const lines = issues.map((issue) => `  ${issue.variable}: ${issue.message}`);
    const count = issues.length === 1 ? "1 problem" : `${issues.length} problems`;
    super(`Invalid configuration (${count}):\n${lines.join("\n")}`);
    this.name = "ConfigError";
    this.issues = issues;
  }
}

const readTextFile: ReadFile = (path) => readFileSync(path, "utf8");

/**
 * Reads the configuration once, at start-up, in main/. Nothing else in the
 * server reads process.env (lint enforces it): everything else receives the
 * parts of this object it needs.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  readFile: ReadFile = readTextFile,
): Config {
  const { raw, issues } = readEnvironment(env, readFile);
  const parsed = parseConfig(raw);
  if (parsed.success && issues.length === 0) return parsed.data;

  // A secret whose file could not be read was already reported; its
  // "required" error from the schema would only repeat it.
  const reported = new Set(issues.map((issue) => issue.variable.replace(/_FILE$/, "")));
  const schemaIssues = (parsed.error?.issues ?? []).map((issue) => ({
    variable: String(issue.path.at(-1) ?? "configuration"),
    message: issue.message,
  }));
  throw new ConfigError([
    ...issues,
    ...schemaIssues.filter((issue) => !reported.has(issue.variable)),
  ]);
}
