import { SeededRandom } from "../prng.js";

export interface ChaosOptions {
  /** Probability that a delivery is sent twice with the same GUID. */
  duplicate?: number;
  /** Hold each delivery and send it after the next one. */
  reorder?: boolean;
  /** Wait this long (real time) before sending each delivery. */
  delayMs?: number;
  /** Probability that a delivery is not sent at all (recorded as dropped, redeliverable). */
  drop?: number;
  seed?: number;
}

export interface ChaosNext {
  duplicate?: boolean;
  drop?: boolean;
  delayMs?: number;
}

/** What happens to one delivery, decided when it is queued so runs are repeatable. */
export interface ChaosDecision {
  duplicate: boolean;
  drop: boolean;
  delayMs: number;
}

/** Chaos settings plus a seeded generator; one-shot overrides win over probabilities. */
export class ChaosPolicy {
  private options: ChaosOptions = {};
  private random = new SeededRandom(1);
  private next: ChaosNext | undefined;

  set(options: ChaosOptions): void {
    this.options = { ...options };
    this.random = new SeededRandom(options.seed ?? 1);
  }

  setNext(next: ChaosNext): void {
    this.next = { ...next };
  }

  get reorder(): boolean {
    return this.options.reorder === true;
  }

  decide(): ChaosDecision {
    const once = this.next;
    this.next = undefined;
    // Draw both numbers every time so one setting does not shift the other's sequence.
    const duplicateRoll = this.random.chance(this.options.duplicate ?? 0);
    const dropRoll = this.random.chance(this.options.drop ?? 0);
    return {
      duplicate: once?.duplicate ?? duplicateRoll,
      drop: once?.drop ?? dropRoll,
      delayMs: once?.delayMs ?? this.options.delayMs ?? 0,
    };
  }
}
