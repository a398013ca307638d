import { Plaintext } from "../crypto/plaintext.js";

/**
 * A configuration value that must never reach a log line, an error message or
 * a JSON dump. Config objects get logged at start-up and end up in crash
 * reports, so every way JavaScript turns an object into text prints
 * "[redacted]" (Plaintext keeps the value in a private field, out of reach of
 * spreads and walkers); the one way to get the value is `reveal()`.
 */
export class Secret extends Plaintext<string> {}

/**
 * Every secret value inside a config object, so the logger can scrub them from
 * free text as a second line of defence (observability/ cannot import config/,
 * so main/ hands this list over as a plain `() => string[]`).
 */
export function secretValues(value: unknown): string[] {
  if (value instanceof Secret) return [value.reveal()];
  if (typeof value !== "object" || value === null) return [];
  return Object.values(value).flatMap((child) => secretValues(child));
}
