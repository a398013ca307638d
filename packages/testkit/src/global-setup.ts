import type { TestProject } from "vitest/node";
import { up } from "@hangar/devenv";
import { createTemplateDatabase } from "./database.js";

/**
 * Runs once per `vitest run`: makes PostgreSQL, Temporal and the Kubernetes
 * control plane available (starting only what is not running), builds the
 * migrated template database, and on teardown stops what it started.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const environment = await up("test");
  let template: string;
  try {
    template = await createTemplateDatabase(environment.endpoints.databaseUrl);
  } catch (error) {
    await environment.down();
    throw error;
  }
  project.provide("hangarEndpoints", environment.endpoints);
  project.provide("hangarTemplateDatabase", template);
  return () => environment.down();
}
