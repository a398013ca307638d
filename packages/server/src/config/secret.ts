import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A configuration value that must never reach a log line, an error message or
 * a JSON dump. Config objects get logged at start-up and end up in crash
 * reports, so every way JavaScript turns an object into text prints
 * "[redacted]"; the one way to get the value is to ask for it by name.
 */
export class Secret {
  // A private field, not a property: object spreads, Object.entries and
  // structuredClone-style walkers cannot see it.
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The plain value, for the one call that needs it (a client constructor, an HMAC key). */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

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
