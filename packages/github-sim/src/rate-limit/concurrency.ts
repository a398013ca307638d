import { secondaryLimitError } from "./secondary.js";

/**
 * Requests in flight, for GitHub's concurrency secondary limit and for
 * `stats()`. A test can hold admitted requests open, which is how it fills
 * the limit deterministically instead of racing slow requests.
 */
export class InFlight {
  current = 0;
  max = 0;
  private held = false;
  private waiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  enter(): void {
    this.current += 1;
    this.max = Math.max(this.max, this.current);
  }

  leave(): void {
    this.current = Math.max(0, this.current - 1);
  }

  /** Throws the secondary limit when more than the limit are in flight (this one included). */
  check(): void {
    if (this.current > this.limit) throw secondaryLimitError(60);
  }

  /** Resolves at once unless requests are being held. */
  async gate(): Promise<void> {
    if (!this.held) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  hold(held: boolean): void {
    this.held = held;
    if (!held) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const release of waiters) release();
    }
  }
}
