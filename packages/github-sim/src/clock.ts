/** The simulator's notion of "now"; tests swap in a ManualClock to drive timeouts deterministically. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that only moves when told to, so expiry and timeout tests never sleep.
 * It starts at the current whole second by default: clients that stamp JWTs
 * and cache tokens with the real time (Octokit) then agree with it until a
 * test moves it.
 */
export class ManualClock implements Clock {
  private current: number;

  constructor(startMs: number = Math.floor(Date.now() / 1000) * 1000) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (ms < 0) throw new RangeError("ManualClock cannot go backwards");
    this.current += ms;
  }

  set(ms: number): void {
    this.current = ms;
  }
}

export function isoAt(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}
