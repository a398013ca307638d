// The few parts of PostgreSQL's wire protocol (v3) the embedded server has to read or
// write itself: which message a client sent, the names it refers to, and whether the
// server's answer ended a query cycle. Everything else passes through untouched.

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Frontend message types (the first byte of every message after start-up). */
export const frontend = {
  bind: 0x42, // B
  close: 0x43, // C
  describe: 0x44, // D
  parse: 0x50, // P
  query: 0x51, // Q
  sync: 0x53, // S
  terminate: 0x58, // X
} as const;

const readyForQuery = 0x5a; // Z
const statementTarget = 0x53; // 'S' in Describe and Close (a portal is 'P')

/** Transaction status of a ReadyForQuery message. */
export const transactionStatus = { idle: 0x49, inBlock: 0x54, failed: 0x45 } as const;

/**
 * A start-up message has no type byte; it begins with its length, whose first byte is 0
 * for any real start-up packet, while no typed message has type 0.
 */
export function isStartup(message: Uint8Array): boolean {
  return message[0] === 0;
}

function frame(type: number, body: Uint8Array): Uint8Array {
  const message = new Uint8Array(5 + body.length);
  message[0] = type;
  new DataView(message.buffer).setInt32(1, 4 + body.length);
  message.set(body, 5);
  return message;
}

function cString(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

export function queryMessage(sql: string): Uint8Array {
  return frame(frontend.query, cString(sql));
}

export function syncMessage(): Uint8Array {
  return frame(frontend.sync, new Uint8Array(0));
}

/** A FATAL ErrorResponse, sent before the server closes a connection itself. */
export function fatalErrorMessage(sqlState: string, text: string): Uint8Array {
  const fields = [`SFATAL`, `VFATAL`, `C${sqlState}`, `M${text}`].map(cString);
  const body = new Uint8Array(fields.reduce((n, f) => n + f.length, 0) + 1);
  let offset = 0;
  for (const field of fields) {
    body.set(field, offset);
    offset += field.length;
  }
  return frame(0x45, body);
}

function cStringEnd(message: Uint8Array, start: number): number {
  const end = message.indexOf(0, start);
  if (end < 0) throw new Error("malformed protocol message: unterminated string");
  return end;
}

/** The SQL text of a Query or Parse message (undefined for other messages). */
export function sqlOf(message: Uint8Array): { start: number; end: number } | undefined {
  if (message[0] === frontend.query) return { start: 5, end: cStringEnd(message, 5) };
  if (message[0] === frontend.parse) {
    const start = cStringEnd(message, 5) + 1;
    return { start, end: cStringEnd(message, start) };
  }
  return undefined;
}

/** The same message with the C string at [start, end) replaced. */
function replaceString(message: Uint8Array, start: number, end: number, text: string) {
  const replacement = encoder.encode(text);
  const body = new Uint8Array(message.length - 5 - (end - start) + replacement.length);
  body.set(message.subarray(5, start), 0);
  body.set(replacement, start - 5);
  body.set(message.subarray(end), start - 5 + replacement.length);
  return frame(message[0]!, body);
}

/** A Query or Parse message with its SQL replaced (for statements that are refused). */
export function withSql(message: Uint8Array, sql: string): Uint8Array {
  const range = sqlOf(message);
  if (range === undefined) throw new Error("withSql: not a Query or Parse message");
  return replaceString(message, range.start, range.end, sql);
}

/**
 * Where a message names a prepared statement: Parse (its new name), Bind (the statement
 * it binds), Describe and Close of a statement. Undefined when the message names none,
 * or only the unnamed statement.
 */
function statementNameRange(message: Uint8Array): { start: number; end: number } | undefined {
  let start: number;
  switch (message[0] ?? 0) {
    case frontend.parse:
      start = 5;
      break;
    case frontend.bind:
      start = cStringEnd(message, 5) + 1; // after the portal name
      break;
    case frontend.describe:
    case frontend.close:
      if (message[5] !== statementTarget) return undefined;
      start = 6;
      break;
    default:
      return undefined;
  }
  const end = cStringEnd(message, start);
  return end > start ? { start, end } : undefined;
}

export function statementName(message: Uint8Array): string | undefined {
  const range = statementNameRange(message);
  return range && decoder.decode(message.subarray(range.start, range.end));
}

/** The message with its prepared statement name mapped through `rename`. */
export function withStatementName(message: Uint8Array, rename: (name: string) => string) {
  const range = statementNameRange(message);
  if (range === undefined) return message;
  const name = decoder.decode(message.subarray(range.start, range.end));
  return replaceString(message, range.start, range.end, rename(name));
}

/**
 * Follows the server's output message by message, across chunks of any size, to tell
 * whether the last complete message was a ReadyForQuery: that ends a query cycle, and
 * its status byte says whether a transaction is still open.
 */
export class ReadyForQueryTracker {
  private readonly header = new Uint8Array(5);
  private headerLength = 0;
  private remaining = 0;
  private type = 0;
  private status: number | undefined;

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.remaining > 0) {
        if (this.type === readyForQuery) this.status = chunk[i];
        const take = Math.min(this.remaining, chunk.length - i);
        i += take;
        this.remaining -= take;
        continue;
      }
      this.header[this.headerLength++] = chunk[i++]!;
      if (this.headerLength === 5) {
        this.headerLength = 0;
        this.type = this.header[0]!;
        this.remaining = new DataView(this.header.buffer).getInt32(1) - 4;
        this.status = undefined;
      }
    }
  }

  /** The status of the ReadyForQuery that ended the output, if one did. */
  get readyStatus(): number | undefined {
    const atBoundary = this.headerLength === 0 && this.remaining === 0;
    return atBoundary && this.type === readyForQuery ? this.status : undefined;
  }
}
