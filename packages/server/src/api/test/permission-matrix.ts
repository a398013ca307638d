import type { DescService } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { roles, type Role } from "../../authz/index.js";
import type { ApiHarness } from "./harness.js";

// The permission matrix: every RPC of a service × every kind of caller → the outcome the
// authorization rules promise. Generated from the service descriptor, so an RPC added to
// a .proto without an expectation here fails the test instead of going unchecked.

export const callerKinds = [
  "no token",
  "expired token",
  "revoked token",
  "other workspace's token",
  ...roles,
  "platform admin",
] as const;
export type CallerKind = (typeof callerKinds)[number];

export type Outcome = "unauthenticated" | "not found" | "permission denied" | "allowed";

/**
 * Who may make a call: the least role in the workspace the request is about; only the
 * platform's administrators (the offering catalog, new workspaces); only they, about a
 * workspace (linking an installation to it: those who cannot see the workspace get
 * NotFound, as for any of its objects); or anyone signed in (reads that are not about
 * one workspace).
 */
export type Allowed = Role | "platform admin" | "platform admin, in a workspace" | "signed in";

export interface RpcExpectation {
  minimumRole: Allowed;
  /**
   * A request about the harness's first workspace, built fresh for each call, so a call
   * that succeeds (a delete) leaves the next one something to act on.
   */
  request: (harness: ApiHarness) => Promise<object> | object;
}

/** Weakest first, so a role's rank says whether it includes another. */
const strength: readonly Role[] = ["viewer", "member", "admin", "owner"];

export function expectedOutcome(kind: CallerKind, expectation: RpcExpectation): Outcome {
  if (kind === "no token" || kind === "expired token" || kind === "revoked token") {
    return "unauthenticated";
  }
  const needed = expectation.minimumRole;
  if (needed === "signed in") return "allowed";
  if (needed === "platform admin") {
    return kind === "platform admin" ? "allowed" : "permission denied";
  }
  if (needed === "platform admin, in a workspace") {
    if (kind === "platform admin") return "allowed";
    return kind === "other workspace's token" ? "not found" : "permission denied";
  }
  switch (kind) {
    // Neither holds any role in the workspace: it does not exist for them.
    case "other workspace's token":
    case "platform admin":
      return "not found";
    case "owner":
    case "admin":
    case "member":
    case "viewer":
      return strength.indexOf(kind) >= strength.indexOf(needed) ? "allowed" : "permission denied";
    default: {
      const unknownKind: never = kind;
      throw new Error(`unknown caller kind ${String(unknownKind)}`);
    }
  }
}

export interface MatrixCase {
  method: string;
  caller: CallerKind;
  expected: Outcome;
  expectation: RpcExpectation;
}

/** Reads are Get*, List* and Export*; every other RPC changes something and must be audited. */
export function isMutation(methodName: string): boolean {
  return !/^(Get|List|Export)[A-Z]/.test(methodName);
}

type AnyCall = (
  request: object,
  options: { headers: Record<string, string> },
) => Promise<unknown> | AsyncIterable<unknown>;

/**
 * Calls one RPC and waits for its whole answer: a server stream is read to its end, since
 * its error (a refusal included) arrives only as the stream ends. Resolves with the
 * number of messages answered.
 */
export async function callRpc(
  service: DescService,
  transport: Transport,
  methodName: string,
  request: object,
  headers: Record<string, string>,
): Promise<number> {
  const client = createClient(service, transport) as unknown as Record<string, AnyCall>;
  const call = client[methodName];
  if (call === undefined) throw new Error(`no client method ${methodName}`);
  const method = service.methods.find((m) => m.localName === methodName);
  if (method?.methodKind === "server_streaming") {
    let messages = 0;
    for await (const _message of call(request, { headers }) as AsyncIterable<unknown>) {
      messages += 1;
    }
    return messages;
  }
  await call(request, { headers });
  return 1;
}

/** Every method × caller; throws naming the RPCs that have no expectation. */
export function matrixCases(
  service: DescService,
  expectations: Readonly<Record<string, RpcExpectation>>,
): MatrixCase[] {
  const missing = service.methods.filter((method) => !(method.localName in expectations));
  if (missing.length > 0) {
    throw new Error(
      `no permission expectation for ${missing.map((method) => `${service.typeName}/${method.name}`).join(", ")}`,
    );
  }
  const known = new Set(service.methods.map((method) => method.localName));
  const stale = Object.keys(expectations).filter((name) => !known.has(name));
  if (stale.length > 0) throw new Error(`expectations for unknown RPCs: ${stale.join(", ")}`);
  return service.methods.flatMap((method) => {
    const expectation = expectations[method.localName];
    if (expectation === undefined) throw new Error(`no expectation for ${method.localName}`);
    return callerKinds.map((caller) => ({
      method: method.localName,
      caller,
      expected: expectedOutcome(caller, expectation),
      expectation,
    }));
  });
}

function tokenOf(harness: ApiHarness, kind: CallerKind): string | undefined {
  switch (kind) {
    case "no token":
      return undefined;
    case "expired token":
      return harness.tokens.expired;
    case "revoked token":
      return harness.tokens.revoked;
    case "other workspace's token":
      return harness.tokens.otherWorkspace;
    case "platform admin":
      return harness.tokens.platformAdmin;
    case "owner":
    case "admin":
    case "member":
    case "viewer":
      return harness.tokens.roles[kind];
    default: {
      const unknownKind: never = kind;
      throw new Error(`unknown caller kind ${String(unknownKind)}`);
    }
  }
}

/**
 * What actually happened. A call that was let through but failed for another reason
 * (a request builder gone stale, a state precondition) is reported with its code, so it
 * never passes for "allowed".
 */
export function outcomeOf(error: unknown): Outcome | `failed: ${string}` {
  if (error === undefined) return "allowed";
  const connectError = ConnectError.from(error);
  const code = connectError.code;
  if (code === Code.Unauthenticated) return "unauthenticated";
  if (code === Code.NotFound) return "not found";
  if (code === Code.PermissionDenied) return "permission denied";
  return `failed: ${Code[code]} ${connectError.rawMessage}`;
}

export async function runMatrixCase(
  service: DescService,
  transport: Transport,
  harness: ApiHarness,
  matrixCase: MatrixCase,
  requestId?: string,
): Promise<Outcome | `failed: ${string}`> {
  const token = tokenOf(harness, matrixCase.caller);
  const headers: Record<string, string> =
    token === undefined ? {} : { authorization: `Bearer ${token}` };
  if (requestId !== undefined) headers["x-request-id"] = requestId;
  const request = await matrixCase.expectation.request(harness);
  try {
    await callRpc(service, transport, matrixCase.method, request, headers);
    return "allowed";
  } catch (error) {
    return outcomeOf(error);
  }
}
