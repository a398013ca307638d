import { Client, WorkflowNotFoundError } from "@temporalio/client";
// Temporal's own Duration-to-protobuf helper (a dependency of @temporalio/client).
import { msToTs } from "@temporalio/common/lib/time.js";
import { eventually, uniqueSuffix, type TestTemporal } from "@hangar/testkit";

// Test-only: a Temporal namespace of this test's own. The simulator's ids are the same
// in every run (installation 40000, job 31000000000, ...), and Hangar's workflow ids
// are business ids, so in the shared namespace this test would meet the completed
// workflows of earlier runs, and the live ones of other test files using the simulator.

export interface IsolatedNamespace {
  namespace: string;
  client: Client;
  /** Deletes the namespace and what it holds. */
  drop(): Promise<void>;
}

export async function isolatedNamespace(temporal: TestTemporal): Promise<IsolatedNamespace> {
  const connection = temporal.client.connection;
  const namespace = `hangar-e2e-${uniqueSuffix()}`;
  await connection.workflowService.registerNamespace({
    namespace,
    // Required by the server; drop() deletes the namespace long before it matters.
    workflowExecutionRetentionPeriod: msToTs("1 day"),
  });
  const client = new Client({ connection, namespace });
  // The frontend learns of a new namespace on its next cache refresh (seconds).
  await eventually(
    "the namespace to be usable",
    async () => {
      try {
        await client.workflow.getHandle("namespace-probe").describe();
      } catch (error) {
        if (error instanceof WorkflowNotFoundError) return true;
        throw error;
      }
      return true;
    },
    30_000,
  );
  return {
    namespace,
    client,
    async drop() {
      await connection.operatorService.deleteNamespace({ namespace }).catch(() => undefined);
    },
  };
}
