import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { KEY_BYTES, type KeyRing } from "./key-ring.js";

// Envelope encryption with AES-256-GCM. Each secret gets a fresh data key that
// encrypts it; the key ring's current key encrypts ("wraps") the data key. A
// key rotation re-wraps 32 bytes per row instead of re-encrypting every
// secret, and a leaked data key exposes one secret only.
//
// Both layers authenticate a caller-supplied context (for registry
// credentials: workspace and credential id), and the wrap also authenticates
// the key id, so a ciphertext copied into another row, another tenant's row,
// or relabelled with another key id fails to open instead of decrypting.
//
// Layout (version 1):
//   [0]        version = 1
//   [1..13)    IV of the wrap
//   [13..45)   wrapped data key
//   [45..61)   tag of the wrap
//   [61..73)   IV of the data
//   [73..89)   tag of the data
//   [89..)     encrypted secret

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAP_IV = 1;
const WRAPPED_KEY = WRAP_IV + IV_BYTES;
const WRAP_TAG = WRAPPED_KEY + KEY_BYTES;
const DATA_IV = WRAP_TAG + TAG_BYTES;
const DATA_TAG = DATA_IV + IV_BYTES;
const DATA = DATA_TAG + TAG_BYTES;

/** A ciphertext and the id of the key that wrapped its data key, stored side by side. */
export interface Sealed {
  ciphertext: Buffer;
  keyId: string;
}

export interface SecretCipher {
  readonly currentKeyId: string;
  seal(plaintext: Buffer, context: string): Sealed;
  /** Throws DecryptionError for a wrong key, a wrong context or altered bytes. */
  open(sealed: Sealed, context: string): Buffer;
  /** The same secret wrapped under the current key; null when it already is. */
  rewrap(sealed: Sealed, context: string): Sealed | null;
}

/** Says which key and why, never anything about the secret. */
export class DecryptionError extends Error {
  override name = "DecryptionError";
}

export function createSecretCipher(ring: KeyRing): SecretCipher {
  const keyFor = (id: string): Buffer => {
    const key = ring.key(id);
    if (key === undefined) {
      throw new DecryptionError(
        `no key ${id} in the key ring (holding ${ring.keyIds.join(", ")}); was it removed before every row was re-encrypted?`,
      );
    }
    return key;
  };

  const wrap = (dataKey: Buffer, context: string): Buffer => {
    const keyId = ring.currentKeyId;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", keyFor(keyId), iv);
    cipher.setAAD(wrapAad(keyId, context));
    const wrapped = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([iv, wrapped, cipher.getAuthTag()]);
  };

  const unwrap = (sealed: Sealed, context: string): Buffer => {
    const { ciphertext } = sealed;
    if (ciphertext.length < DATA || ciphertext[0] !== VERSION) {
      throw new DecryptionError(`ciphertext under key ${sealed.keyId} is not in a known format`);
    }
    try {
      const decipher = createDecipheriv(
        "aes-256-gcm",
        keyFor(sealed.keyId),
        ciphertext.subarray(WRAP_IV, WRAPPED_KEY),
      );
      decipher.setAAD(wrapAad(sealed.keyId, context));
      decipher.setAuthTag(ciphertext.subarray(WRAP_TAG, DATA_IV));
      return Buffer.concat([
        decipher.update(ciphertext.subarray(WRAPPED_KEY, WRAP_TAG)),
        decipher.final(),
      ]);
    } catch (error) {
      if (error instanceof DecryptionError) throw error;
      throw new DecryptionError(
        `cannot unwrap with key ${sealed.keyId}: wrong key, wrong owner, or altered data`,
      );
    }
  };

  return {
    currentKeyId: ring.currentKeyId,

    seal(plaintext, context) {
      const dataKey = randomBytes(KEY_BYTES);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", dataKey, iv);
      cipher.setAAD(dataAad(context));
      const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      const ciphertext = Buffer.concat([
        Buffer.of(VERSION),
        wrap(dataKey, context),
        iv,
        cipher.getAuthTag(),
        encrypted,
      ]);
      dataKey.fill(0);
      return { ciphertext, keyId: ring.currentKeyId };
    },

    open(sealed, context) {
      const dataKey = unwrap(sealed, context);
      const { ciphertext } = sealed;
      try {
        const decipher = createDecipheriv(
          "aes-256-gcm",
          dataKey,
          ciphertext.subarray(DATA_IV, DATA_TAG),
        );
        decipher.setAAD(dataAad(context));
        decipher.setAuthTag(ciphertext.subarray(DATA_TAG, DATA));
        return Buffer.concat([decipher.update(ciphertext.subarray(DATA)), decipher.final()]);
      } catch {
        throw new DecryptionError(`cannot decrypt data under key ${sealed.keyId}: altered data`);
      } finally {
        dataKey.fill(0);
      }
    },

    rewrap(sealed, context) {
      if (sealed.keyId === ring.currentKeyId) return null;
      const dataKey = unwrap(sealed, context);
      try {
        const ciphertext = Buffer.concat([
          Buffer.of(VERSION),
          wrap(dataKey, context),
          sealed.ciphertext.subarray(DATA_IV),
        ]);
        return { ciphertext, keyId: ring.currentKeyId };
      } finally {
        dataKey.fill(0);
      }
    },
  };
}

// NUL separators, and neither part may contain one: so no two different
// (key id, context) pairs produce the same bytes.
function wrapAad(keyId: string, context: string): Buffer {
  return Buffer.from(`hangar-envelope-v1\0wrap\0${noNul(keyId)}\0${noNul(context)}`, "utf8");
}

function dataAad(context: string): Buffer {
  return Buffer.from(`hangar-envelope-v1\0data\0${noNul(context)}`, "utf8");
}

function noNul(value: string): string {
  if (value.includes("\0")) throw new TypeError("key ids and contexts must not contain NUL");
  return value;
}
