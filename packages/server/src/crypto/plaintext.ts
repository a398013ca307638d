import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A decrypted secret on its way to the one place that needs it. Credentials
 * decrypted from the database are not configuration, so the logger's scrubbing
 * of configured secrets does not know them: this holder makes every way of
 * turning it into text print "[redacted]" instead.
 */
export class Plaintext<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
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

/** `text` with every occurrence of each secret replaced, for messages from third parties. */
export function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  // Longest first, so a secret that contains another is replaced whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) result = result.split(secret).join(REDACTED);
  }
  return result;
}
