// The keys that protect secrets at rest: one current key, which encrypts, and
// any number of previous keys, which only decrypt. Rows name the key that
// encrypted them, so a rotation never has to rewrite every row at once.

export const KEY_BYTES = 32;

export interface KeyRing {
  readonly currentKeyId: string;
  /** The key named `id`, or undefined when the ring does not hold it. */
  key(id: string): Buffer | undefined;
  readonly keyIds: readonly string[];
}

export class KeyRingError extends Error {
  override name = "KeyRingError";
}

/** Key material as configuration carries it: base64 text. */
export interface EncodedKey {
  id: string;
  /** 32 bytes, base64. */
  key: string;
}

export function createKeyRing(current: EncodedKey, previous: readonly EncodedKey[] = []): KeyRing {
  const keys = new Map<string, Buffer>();
  for (const entry of [current, ...previous]) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(entry.id)) {
      throw new KeyRingError("key ids are 1-64 letters, digits, '.', '_' or '-'");
    }
    if (keys.has(entry.id)) throw new KeyRingError(`key id ${entry.id} is used twice`);
    const bytes = Buffer.from(entry.key, "base64");
    // The message names the id only: the value is key material.
    if (bytes.length !== KEY_BYTES) {
      throw new KeyRingError(`key ${entry.id} must be ${KEY_BYTES} bytes, base64`);
    }
    keys.set(entry.id, bytes);
  }
  return {
    currentKeyId: current.id,
    key: (id) => keys.get(id),
    keyIds: [...keys.keys()],
  };
}
