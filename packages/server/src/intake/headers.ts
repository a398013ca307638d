// The X-GitHub-* headers, narrowed. A header sent twice arrives as an array: that is not
// something GitHub does, so it is treated as malformed.

export interface DeliveryHeaders {
  event: string;
  deliveryGuid: string;
  hookId: bigint | null;
  /** X-GitHub-Hook-Installation-Target-Type / -ID: which App or repository the hook belongs to. */
  targetType: string | null;
  targetId: bigint | null;
}

export type HeaderCheck =
  { kind: "valid"; headers: DeliveryHeaders } | { kind: "invalid"; reason: string };

type RawHeaders = Record<string, string | string[] | undefined>;

const EVENT = /^[a-z][a-z_]{0,63}$/;
// GitHub sends a UUID; the schema allows up to 100 characters, and the character set
// is kept to what can be logged and compared safely.
const GUID = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;
const INT8 = /^[0-9]{1,19}$/;
const TARGET_TYPE = /^[a-z_]{1,50}$/;
const INT8_MAX = 2n ** 63n - 1n;

export function readDeliveryHeaders(raw: RawHeaders): HeaderCheck {
  const event = single(raw["x-github-event"]);
  if (event === undefined || !EVENT.test(event)) {
    return { kind: "invalid", reason: "missing or malformed X-GitHub-Event" };
  }
  const deliveryGuid = single(raw["x-github-delivery"]);
  if (deliveryGuid === undefined || !GUID.test(deliveryGuid)) {
    return { kind: "invalid", reason: "missing or malformed X-GitHub-Delivery" };
  }
  const targetType = single(raw["x-github-hook-installation-target-type"]);
  return {
    kind: "valid",
    headers: {
      event,
      deliveryGuid,
      hookId: int8(single(raw["x-github-hook-id"])),
      targetType: targetType !== undefined && TARGET_TYPE.test(targetType) ? targetType : null,
      targetId: int8(single(raw["x-github-hook-installation-target-id"])),
    },
  };
}

/** The value of a header sent once; undefined when absent or repeated. */
export function single(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Informational headers: a bad value is dropped rather than failing the delivery. */
function int8(value: string | undefined): bigint | null {
  if (value === undefined || !INT8.test(value)) return null;
  const parsed = BigInt(value);
  return parsed <= INT8_MAX ? parsed : null;
}
