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
  /** Whether the orgs' plan has custom runner groups; only the Default group otherwise. */
  customRunnerGroups?: boolean;
  /** Makes a runner's pod exit; set only when the Kubernetes runner side is on. */
  exitPod?: (pod: { namespace: string; podName: string }, exitCode: number) => void;
}

/** A request that cannot be done; mapped to its status by the control and REST routes. */
export class SimInputError extends Error {
  override readonly name = "SimInputError";

  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
  }
}
