// A token bucket per API token, in this process's memory: `burst` requests at once, then
// `perSecond` on average. Replicas each keep their own buckets, so the limit a client
// sees scales with the replicas behind the load balancer; it protects each process and
// the database behind it, not a billing quota.

export interface RateLimitOptions {
  perSecond: number;
  burst: number;
  now?: () => number;
  /** Buckets kept at most; idle full ones are dropped first. */
  maxBuckets?: number;
}

export type RateDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  updatedAt: number;
}

export interface RateLimiter {
  take(key: string): RateDecision;
}

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const now = options.now ?? (() => Date.now());
  const maxBuckets = options.maxBuckets ?? 100_000;
  const buckets = new Map<string, Bucket>();
  const refill = (bucket: Bucket, at: number): void => {
    const elapsed = Math.max(0, at - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(options.burst, bucket.tokens + elapsed * options.perSecond);
    bucket.updatedAt = at;
  };
  const prune = (at: number): void => {
    for (const [key, bucket] of buckets) {
      refill(bucket, at);
      if (bucket.tokens >= options.burst) buckets.delete(key);
    }
  };
  return {
    take(key) {
      const at = now();
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        if (buckets.size >= maxBuckets) prune(at);
        bucket = { tokens: options.burst, updatedAt: at };
        buckets.set(key, bucket);
      } else {
        refill(bucket, at);
      }
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((1 - bucket.tokens) / options.perSecond));
      return { allowed: false, retryAfterSeconds };
    },
  };
}
