import {
  condition,
  defineQuery,
  defineSignal,
  setDefaultSignalHandler,
  setHandler,
} from "@temporalio/workflow";

// Test-only stand-ins for the workflows the intake signals: each records every signal it
// receives, in arrival order, and answers the `signals` query. Registered under the real
// workflow type names so the relay is exercised exactly as in production.

export interface ReceivedSignal {
  name: string;
  args: unknown[];
}

export const signalsQuery = defineQuery<ReceivedSignal[]>("signals");
/** Completes the workflow, so tests can check what happens to signals sent afterwards. */
export const finishSignal = defineSignal("finish");

async function recorder(): Promise<ReceivedSignal[]> {
  const received: ReceivedSignal[] = [];
  let finished = false;
  setDefaultSignalHandler((name, ...args) => {
    received.push({ name, args });
  });
  setHandler(finishSignal, () => {
    finished = true;
  });
  setHandler(signalsQuery, () => received);
  await condition(() => finished);
  return received;
}

export async function jobWorkflow(): Promise<ReceivedSignal[]> {
  return recorder();
}

export async function installationWorkflow(): Promise<ReceivedSignal[]> {
  return recorder();
}

export async function runWorkflow(): Promise<ReceivedSignal[]> {
  return recorder();
}

export async function workflowFilesWorkflow(): Promise<ReceivedSignal[]> {
  return recorder();
}
