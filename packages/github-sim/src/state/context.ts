import type { Clock } from "../clock.js";
import type { EmitEvent } from "./events.js";
import type { SimState } from "./store.js";

/** What every state operation needs; built once per simulator in simulator.ts. */
export interface SimContext {
  state: SimState;
  clock: Clock;
  emit: EmitEvent;
  app: { id: number; slug: string };
  assignmentTimeoutMs: number;
  /** Makes a runner's pod exit; set only when the Kubernetes runner side is on. */
  exitPod?: (pod: { namespace: string; podName: string }, exitCode: number) => void;
}

/** A control-API request that cannot be done; mapped to 400/404/409 by the control routes. */
export class SimInputError extends Error {
  override readonly name = "SimInputError";

  constructor(
    readonly status: 400 | 404 | 409,
    message: string,
  ) {
    super(message);
  }
}
