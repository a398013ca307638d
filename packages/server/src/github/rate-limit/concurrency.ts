// GitHub's secondary limit allows 100 concurrent requests; past that it
// answers 403 to everything. A counting semaphore with a FIFO queue keeps the
// whole App (all installations together) under the cap.

export interface Semaphore {
  /** Resolves with a release function once a slot is free; call it exactly once. */
  acquire(): Promise<() => void>;
  inFlight(): number;
  waiting(): number;
}

export function createSemaphore(max: number): Semaphore {
  if (!Number.isInteger(max) || max < 1)
    throw new RangeError(`maxInFlight must be ≥ 1, got ${max}`);
  let active = 0;
  const queue: (() => void)[] = [];

  function releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = queue.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot overtake the queue.
      if (next === undefined) active -= 1;
      else next();
    };
  }

  return {
    acquire() {
      if (active < max) {
        active += 1;
        return Promise.resolve(releaser());
      }
      return new Promise((resolve) => {
        queue.push(() => {
          resolve(releaser());
        });
      });
    },
    inFlight: () => active,
    waiting: () => queue.length,
  };
}
