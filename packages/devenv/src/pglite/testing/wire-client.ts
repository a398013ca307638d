import { connect, type Socket } from "node:net";
import { frontend, queryMessage, syncMessage } from "../wire.js";

// A client that speaks the wire protocol message by message, for tests that must stop
// half-way through a query cycle, which pg never does.

const encoder = new TextEncoder();

function message(type: number, ...parts: Uint8Array[]): Uint8Array {
  const length = parts.reduce((n, p) => n + p.length, 0);
  const out = Buffer.alloc(5 + length);
  out[0] = type;
  out.writeInt32BE(4 + length, 1);
  let offset = 5;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const cString = (text: string): Uint8Array => encoder.encode(`${text}\0`);
const int16 = (n: number): Uint8Array => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number): Uint8Array => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

export const wire = {
  query: queryMessage,
  sync: syncMessage,
  parse: (sql: string, name = ""): Uint8Array =>
    message(frontend.parse, cString(name), cString(sql), int16(0)),
  /** Text parameters, text results. */
  bind: (params: string[], statement = ""): Uint8Array =>
    message(
      frontend.bind,
      cString(""),
      cString(statement),
      int16(0),
      int16(params.length),
      ...params.flatMap((p) => {
        const bytes = encoder.encode(p);
        return [int32(bytes.length), bytes];
      }),
      int16(0),
    ),
  execute: (): Uint8Array => message(0x45, cString(""), int32(0)),
};

export interface BackendMessage {
  type: string;
  body: Buffer;
}

export interface WireClient {
  send(...messages: Uint8Array[]): void;
  /** Messages until (and including) the next one of `type`. */
  until(type: string): Promise<BackendMessage[]>;
  /** Drops the connection without saying goodbye, as a crashed client would. */
  close(): void;
}

export async function wireClient(port: number): Promise<WireClient> {
  const socket: Socket = connect({ port, host: "127.0.0.1" });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  let buffer = Buffer.alloc(0);
  const received: BackendMessage[] = [];
  let wake: (() => void) | undefined;
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 5) {
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) break;
      received.push({
        type: String.fromCharCode(buffer[0]!),
        body: buffer.subarray(5, 1 + length),
      });
      buffer = buffer.subarray(1 + length);
    }
    wake?.();
  });
  socket.on("error", () => undefined);

  const until = async (type: string): Promise<BackendMessage[]> => {
    for (;;) {
      const index = received.findIndex((m) => m.type === type);
      if (index >= 0) return received.splice(0, index + 1);
      if (socket.destroyed) throw new Error(`connection closed before a ${type} message`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        socket.once("close", resolve);
      });
    }
  };

  const startup = Buffer.concat([
    int32(196608),
    cString("user"),
    cString("postgres"),
    cString("database"),
    cString("postgres"),
    new Uint8Array([0]),
  ]);
  socket.write(Buffer.concat([int32(startup.length + 4), startup]));
  await until("Z");

  return {
    send: (...messages) => {
      socket.write(Buffer.concat(messages));
    },
    until,
    close: () => {
      socket.destroy();
    },
  };
}

/** The first column of every DataRow among `messages`, as text. */
export function firstColumns(messages: readonly BackendMessage[]): (string | null)[] {
  return messages
    .filter((m) => m.type === "D")
    .map((m) => {
      const length = m.body.readInt32BE(2);
      return length < 0 ? null : m.body.subarray(6, 6 + length).toString();
    });
}
