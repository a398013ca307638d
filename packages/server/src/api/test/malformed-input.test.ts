import {
  create,
  ScalarType,
  toJson,
  type DescField,
  type DescMessage,
  type DescService,
  type JsonObject,
  type JsonValue,
} from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDatabase, testTemporal, type TestDatabase, type TestTemporal } from "@hangar/testkit";
import { expectationsOf } from "./expectations.js";
import { startHarness, type ApiHarness } from "./harness.js";
import { generatedServices } from "./services.js";

// Malformed input, generated from each request message's descriptor: a request that
// succeeds (the permission matrix's) with one field made wrong at a time — a value of the
// wrong JSON type, a 100 kB string, a negative number, a value outside an enum-like
// string's set, every member of a oneof at once, a field the message does not have —
// sent as Connect JSON with fetch. Each must be InvalidArgument (a body over the limit,
// ResourceExhausted): never Internal or Unknown, and never accepted. A server-streaming
// RPC gets the same requests in the Connect streaming protocol's envelope, and its answer
// is the error of the stream's end.

const MAX_BODY = 1024 * 1024;
const HUGE = "x".repeat(100_000);
/** String fields whose values come from a fixed set. */
const enumLike = new Set(["role", "status", "conclusion", "arch", "update_mask", "kind"]);
const leafMessages = new Set(["google.protobuf.Timestamp", "google.protobuf.Duration"]);

interface Variant {
  label: string;
  body: string;
  expected: "invalid_argument" | "resource_exhausted";
}

function setAt(base: JsonObject, path: readonly string[], value: JsonValue): JsonObject {
  const copy = structuredClone(base);
  let node: JsonObject = copy;
  for (const key of path.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== "object" || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[path.at(-1) ?? ""] = value;
  return copy;
}

const isInteger = (field: DescField) =>
  (field.fieldKind === "scalar" || field.fieldKind === "list") &&
  field.scalar !== undefined &&
  ![
    ScalarType.STRING,
    ScalarType.BOOL,
    ScalarType.BYTES,
    ScalarType.DOUBLE,
    ScalarType.FLOAT,
  ].includes(field.scalar);

function fieldVariants(message: DescMessage, base: JsonObject, path: readonly string[]): Variant[] {
  const out: Variant[] = [];
  const bad = (label: string, at: readonly string[], value: JsonValue) =>
    out.push({
      label: `${at.join(".")}: ${label}`,
      body: JSON.stringify(setAt(base, at, value)),
      expected: "invalid_argument",
    });
  for (const field of message.fields) {
    const at = [...path, field.jsonName];
    switch (field.fieldKind) {
      case "scalar":
        if (field.scalar === ScalarType.STRING) {
          bad("a number", at, 12345);
          bad("100 kB", at, HUGE);
          if (enumLike.has(field.name)) bad("an unknown value", at, "no_such_value");
        } else if (field.scalar === ScalarType.BOOL) {
          bad("a string", at, "yes");
        } else if (isInteger(field)) {
          bad("a word", at, "not-a-number");
          bad("negative", at, -1);
          bad("a fraction", at, 1.5);
        }
        break;
      case "list":
        bad("not a list", at, "not-a-list");
        if (field.listKind === "scalar" && field.scalar === ScalarType.STRING) {
          bad("100 kB entry", at, [HUGE]);
          if (enumLike.has(field.name)) bad("an unknown entry", at, ["no_such_value"]);
        }
        break;
      case "message":
        bad("a number", at, 42);
        if (leafMessages.has(field.message.typeName)) {
          bad("not a time", at, "not-a-time");
        } else {
          out.push(...fieldVariants(field.message, base, at));
        }
        break;
      case "enum":
        bad("an unknown enum value", at, "NO_SUCH_VALUE");
        break;
      case "map":
        bad("not an object", at, ["x"]);
        break;
      default: {
        const unknownKind: never = field;
        throw new Error(`unknown field kind ${String(unknownKind)}`);
      }
    }
  }
  for (const oneof of message.oneofs) {
    let both = structuredClone(base);
    for (const member of oneof.fields) {
      both = setAt(both, [...path, member.jsonName], member.fieldKind === "message" ? {} : "x");
    }
    out.push({
      label: `${[...path, oneof.name].join(".")}: every member at once`,
      body: JSON.stringify(both),
      expected: "invalid_argument",
    });
  }
  return out;
}

function variantsOf(message: DescMessage, base: JsonObject): Variant[] {
  return [
    ...fieldVariants(message, base, []),
    {
      label: "a field the message does not have",
      body: JSON.stringify({ ...base, noSuchField: 1 }),
      expected: "invalid_argument",
    },
    { label: "not JSON", body: "{", expected: "invalid_argument" },
    { label: "a JSON array", body: "[]", expected: "invalid_argument" },
    {
      label: "a body over the limit",
      body: JSON.stringify({ ...base, padding: "x".repeat(MAX_BODY) }),
      expected: "resource_exhausted",
    },
  ];
}

interface Answer {
  code?: string;
  message?: string;
}

/** A Connect streaming request's one message: flags, length, JSON. */
function envelope(body: string): Buffer {
  const payload = Buffer.from(body);
  const header = Buffer.alloc(5);
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** The error a Connect stream ended with, from its end-of-stream envelope (flag 2). */
function streamEnd(bytes: Buffer): Answer {
  let at = 0;
  while (at + 5 <= bytes.length) {
    const flags = bytes[at] ?? 0;
    const length = bytes.readUInt32BE(at + 1);
    if ((flags & 2) !== 0) {
      const end = JSON.parse(bytes.subarray(at + 5, at + 5 + length).toString()) as {
        error?: Answer;
      };
      return end.error ?? {};
    }
    at += 5 + length;
  }
  return {};
}

async function post(url: string, token: string, body: string, streaming: boolean): Promise<Answer> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": streaming ? "application/connect+json" : "application/json",
    },
    body: streaming ? envelope(body) : body,
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (!streaming || response.headers.get("content-type")?.startsWith("application/json") === true) {
    return JSON.parse(bytes.toString()) as Answer;
  }
  return streamEnd(bytes);
}

let database: TestDatabase;
let temporal: TestTemporal;
let h: ApiHarness;
const services = await generatedServices();
const rpcs = services.flatMap((service: DescService) =>
  service.methods.map((method) => ({ service, method })),
);

beforeAll(async () => {
  database = await testDatabase();
  temporal = await testTemporal();
  h = await startHarness({ db: database.db, temporal, maxBodyBytes: MAX_BODY });
});
afterAll(async () => {
  await h.stop();
  await temporal.close();
  await database.close();
});

describe("malformed input", () => {
  it.each(rpcs.map((rpc) => [`${rpc.service.typeName}/${rpc.method.name}`, rpc] as const))(
    "%s refuses every malformed request as invalid",
    async (name, { service, method }) => {
      const expectation = expectationsOf(service)[method.localName];
      if (expectation === undefined) throw new Error(`no expectation for ${name}`);
      // The caller who may make the call, so only the input can be what is refused.
      const token =
        expectation.minimumRole === "platform admin" ||
        expectation.minimumRole === "platform admin, in a workspace"
          ? h.tokens.platformAdmin
          : h.tokens.roles.owner;
      const init = (await expectation.request(h)) as Record<string, unknown>;
      const base = toJson(method.input, create(method.input, init)) as JsonObject;
      const variants = variantsOf(method.input, base);
      const wrong: string[] = [];
      for (const variant of variants) {
        const answer = await post(
          `${h.api.url}/${service.typeName}/${method.name}`,
          token,
          variant.body,
          method.methodKind === "server_streaming",
        );
        if (answer.code !== variant.expected) {
          wrong.push(`${variant.label} → ${answer.code ?? "ok"} ${answer.message ?? ""}`);
        }
      }
      expect(variants.length).toBeGreaterThan(4);
      expect(wrong).toEqual([]);
    },
  );
});
