export interface DeliveryHeadersInput {
  event: string;
  guid: string;
  hookId: number;
  installationTargetId: number;
  installationTargetType: "integration";
  signature256: string;
  /**
   * The legacy `X-Hub-Signature` value (`signPayloadSha1`). GitHub still sends
   * it; receivers (Hangar among them) must ignore it. Omitted when absent.
   */
  signature1?: string;
  userAgent?: string;
}

/** A Hookshot build id as GitHub reports it; receivers must not depend on the suffix. */
export const DEFAULT_USER_AGENT = "GitHub-Hookshot/6b02022";

/** The headers GitHub sends with an App webhook delivery, spelled as GitHub spells them. */
export function deliveryHeaders(input: DeliveryHeadersInput): Record<string, string> {
  const headers: Record<string, string> = {
    "User-Agent": input.userAgent ?? DEFAULT_USER_AGENT,
    "Content-Type": "application/json",
    "X-GitHub-Event": input.event,
    "X-GitHub-Delivery": input.guid,
    "X-GitHub-Hook-ID": String(input.hookId),
    "X-GitHub-Hook-Installation-Target-Type": input.installationTargetType,
    "X-GitHub-Hook-Installation-Target-ID": String(input.installationTargetId),
    "X-Hub-Signature-256": input.signature256,
  };
  if (input.signature1 !== undefined) headers["X-Hub-Signature"] = input.signature1;
  return headers;
}
