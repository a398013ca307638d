// GitHub's secondary rate limit: 900 points per minute per endpoint, where a
// read costs 1 point and a write 5. Enforced here, before sending, so that a
// burst of JIT registrations paces itself at ~180/min instead of being
// answered with 403s and a retry-after that stalls everything behind it.
//
// A sliding log per endpoint: any window of `windowMs` holds at most
// `pointsPerWindow` points, which also satisfies a fixed-window counter on
// GitHub's side. Waiters on one endpoint queue in arrival order, so only the
// head of the queue sleeps and a flood of waiters does not wake up together.
//
// Points are reserved before a request queues for a concurrency slot but
// timed from when it is actually sent (`sent()`): GitHub counts a request
// when it arrives, and one that waited for a slot arrives late. Until then a
// reservation counts against the budget and cannot expire.

export function pointsFor(method: string): number {
  const upper = method.toUpperCase();
  return upper === "GET" || upper === "HEAD" || upper === "OPTIONS" ? 1 : 5;
}

export interface BudgetTicket {
  /** The request leaves now: its points count from this moment for one window. */
  sent(): void;
  /** The request will not be sent after all: give the points back. */
  cancel(): void;
}

export interface EndpointBudget {
  /** Resolves once `points` fit into `endpoint`'s window, reserving them. */
  acquire(endpoint: string, points: number): Promise<BudgetTicket>;
  snapshot(): Record<string, { pointsUsed: number; pointsRemaining: number }>;
  /** Callers queued for budget right now. */
  waiting(): number;
}

const PENDING_RECHECK_MS = 1_000;

interface Spent {
  at: number;
  readonly points: number;
  /** Reserved but not sent yet: counts, never expires. */
  pending: boolean;
}

interface EndpointState {
  spent: Spent[];
  used: number;
  /** The queue of callers: each one's turn starts when the previous one's ends. */
  tail: Promise<void>;
}

export function createEndpointBudget(options: {
  pointsPerWindow: number;
  windowMs: number;
  /** How much longer than the window a point stays spent (see GitHubLimits.windowMarginMs). */
  marginMs: number;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}): EndpointBudget {
  const endpoints = new Map<string, EndpointState>();
  const lifetime = options.windowMs + options.marginMs;
  let waiting = 0;

  function state(endpoint: string): EndpointState {
    let found = endpoints.get(endpoint);
    if (found === undefined) {
      found = { spent: [], used: 0, tail: Promise.resolve() };
      endpoints.set(endpoint, found);
    }
    return found;
  }

  /** At most one window's worth of entries, so a linear pass is cheap. */
  function expire(entry: EndpointState, now: number): void {
    if (!entry.spent.some((spent) => !spent.pending && spent.at + lifetime <= now)) return;
    entry.spent = entry.spent.filter((spent) => spent.pending || spent.at + lifetime > now);
    entry.used = entry.spent.reduce((sum, spent) => sum + spent.points, 0);
  }

  /** How long until enough sent points expire for `points` more to fit. */
  function waitFor(entry: EndpointState, points: number, now: number): number {
    const sent = entry.spent.filter((spent) => !spent.pending).sort((a, b) => a.at - b.at);
    let freed = 0;
    for (const spent of sent) {
      freed += spent.points;
      if (entry.used - freed + points <= options.pointsPerWindow) {
        return Math.max(1, spent.at + lifetime - now);
      }
    }
    // Reservations still queued for a slot hold the budget; look again shortly.
    return Math.min(lifetime, PENDING_RECHECK_MS);
  }

  async function take(entry: EndpointState, points: number): Promise<BudgetTicket> {
    for (;;) {
      const now = options.now();
      expire(entry, now);
      if (entry.used + points <= options.pointsPerWindow) {
        const spent: Spent = { at: now, points, pending: true };
        entry.spent.push(spent);
        entry.used += points;
        return ticket(entry, spent);
      }
      await options.sleep(waitFor(entry, points, now));
    }
  }

  function ticket(entry: EndpointState, spent: Spent): BudgetTicket {
    return {
      sent() {
        spent.at = options.now();
        spent.pending = false;
      },
      cancel() {
        const index = entry.spent.indexOf(spent);
        if (index === -1) return;
        entry.spent.splice(index, 1);
        entry.used -= spent.points;
      },
    };
  }

  return {
    async acquire(endpoint, points) {
      if (points > options.pointsPerWindow) {
        throw new RangeError(
          `${endpoint} costs ${points} points, more than the budget of ${options.pointsPerWindow}`,
        );
      }
      const entry = state(endpoint);
      const turn = entry.tail.then(() => take(entry, points));
      // The next caller waits for this turn to end, however it ends.
      entry.tail = turn.then(
        () => undefined,
        () => undefined,
      );
      waiting += 1;
      try {
        return await turn;
      } finally {
        waiting -= 1;
      }
    },
    snapshot() {
      const now = options.now();
      const result: Record<string, { pointsUsed: number; pointsRemaining: number }> = {};
      for (const [endpoint, entry] of endpoints) {
        expire(entry, now);
        result[endpoint] = {
          pointsUsed: entry.used,
          pointsRemaining: options.pointsPerWindow - entry.used,
        };
      }
      return result;
    },
    waiting: () => waiting,
  };
}
