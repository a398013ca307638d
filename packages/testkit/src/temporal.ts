import { Client, Connection } from "@temporalio/client";
import { DefaultLogger, NativeConnection, Runtime } from "@temporalio/worker";
import { testEndpoints, uniqueSuffix } from "./endpoints.js";

export interface TestTemporal {
  namespace: string;
  /** A task queue of this test file's own, so workers of different files never share work. */
  taskQueue: string;
  client: Client;
  /** For Worker.create. */
  workerConnection: NativeConnection;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** Workers log every state change at INFO; tests only want warnings. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger("WARN") });
  } catch {
    // Already installed by someone else in this process: keep theirs.
  }
}

export async function testTemporal(): Promise<TestTemporal> {
  quietRuntime();
  const { temporalAddress, temporalNamespace } = testEndpoints();
  const connection = await Connection.connect({ address: temporalAddress });
  const workerConnection = await NativeConnection.connect({ address: temporalAddress });
  return {
    namespace: temporalNamespace,
    taskQueue: `test-${uniqueSuffix()}`,
    client: new Client({ connection, namespace: temporalNamespace }),
    workerConnection,
    async close() {
      await workerConnection.close();
      await connection.close();
    },
  };
}
