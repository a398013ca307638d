import { inject } from "vitest";
import type { LocalEndpoints } from "@hangar/devenv";

declare module "vitest" {
  export interface ProvidedContext {
    hangarEndpoints: LocalEndpoints;
  }
}

/** The local services the global setup started (or found running) for this test run. */
export function testEndpoints(): LocalEndpoints {
  return inject("hangarEndpoints");
}

/** Short random suffix for per-file resource names (databases, task queues, namespaces). */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
}
