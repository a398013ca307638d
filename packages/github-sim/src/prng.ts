import { randomBytes } from "node:crypto";

/**
 * A small seeded generator (mulberry32) for chaos decisions, so a test that
 * sets a seed sees the same duplicates and drops on every run.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  chance(probability: number): boolean {
    return probability > 0 && this.next() < probability;
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** Cryptographically random base62 text: tokens and JIT secrets must not be guessable. */
export function randomBase62(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length] ?? "A";
  return out;
}

/** A random integer in [min, max], for lengths that clients must not assume. */
export function randomInt(min: number, max: number): number {
  const [b = 0] = randomBytes(1);
  return min + (b % (max - min + 1));
}
