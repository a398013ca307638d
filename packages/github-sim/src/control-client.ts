import type { SimulatorControl } from "./control/types.js";

/** A control-API call the simulator refused; `status` is the HTTP status it answered. */
export class SimulatorControlError extends Error {
  override readonly name = "SimulatorControlError";

  constructor(
    readonly operation: string,
    readonly status: number,
    message: string,
  ) {
    super(`${operation}: ${status} ${message}`);
  }
}

const OPERATIONS = [
  "createInstallation",
  "suspendInstallation",
  "unsuspendInstallation",
  "deleteInstallation",
  "addRepositories",
  "removeRepositories",
  "pushWorkflowFile",
  "createRunnerGroup",
  "queueWorkflowRun",
  "approveEnvironment",
  "cancelJob",
  "cancelRun",
  "connectRunner",
  "disconnectRunner",
  "holdRunner",
  "setRunnerBusy",
  "tick",
  "runners",
  "jobs",
  "installations",
  "deliveries",
  "drainDeliveries",
  "setWebhookUrl",
  "setChaos",
  "chaosNext",
  "failNext",
  "holdRequests",
] as const satisfies readonly (keyof SimulatorControl)[];

// Fails to compile when SimulatorControl gains an operation the client does not send.
type Missing = Exclude<keyof SimulatorControl, (typeof OPERATIONS)[number]>;
export const controlClientIsComplete: [Missing] extends [never] ? true : never = true;

/**
 * Drives a simulator in another process over `POST /_sim/{operation}`, with the
 * same interface as `sim.control`. `baseUrl` is the simulator's `url`.
 */
export function createSimulatorClient(baseUrl: string): SimulatorControl {
  const base = baseUrl.replace(/\/+$/, "");
  const call = async (operation: string, args: unknown[]): Promise<unknown> => {
    const response = await fetch(`${base}/_sim/${operation}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ args }),
    });
    const text = await response.text();
    const parsed: unknown = text === "" ? {} : JSON.parse(text);
    const body = typeof parsed === "object" && parsed !== null ? parsed : {};
    if (!response.ok) {
      const message = "message" in body && typeof body.message === "string" ? body.message : text;
      throw new SimulatorControlError(operation, response.status, message);
    }
    return "result" in body ? body.result : null;
  };
  const client: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const operation of OPERATIONS) {
    client[operation] = async (...args: unknown[]) => {
      const result = await call(operation, args);
      return result === null ? undefined : result;
    };
  }
  // The server is this package's own control routes, which answer each
  // operation with exactly the in-process method's result, serialised as JSON.
  return client as unknown as SimulatorControl;
}
