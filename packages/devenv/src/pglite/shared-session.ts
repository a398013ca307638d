import type { PGlite } from "@electric-sql/pglite";
import {
  fatalErrorMessage,
  frontend,
  isStartup,
  queryMessage,
  ReadyForQueryTracker,
  sqlOf,
  statementName,
  syncMessage,
  transactionStatus,
  withSql,
  withStatementName,
} from "./wire.js";

/**
 * PGlite is one PostgreSQL session; every client connection of the embedded server
 * shares it. This decides whose protocol messages reach it, so that to each client the
 * database still behaves as if the connection were its own:
 *
 * - A connection holds the session from its first message until PGlite answers with
 *   ReadyForQuery "idle": a whole extended-protocol cycle (Parse … Sync) and a whole
 *   transaction (BEGIN … COMMIT) run without another connection's messages in between.
 *   pglite-socket's own queue switches connections between any two messages outside
 *   BEGIN … COMMIT, so one client's Bind could bind another client's statement.
 *   Transactions therefore run one at a time (serially), which is also why row locks
 *   (FOR UPDATE SKIP LOCKED) never make anyone wait here.
 * - A connection holding a session-level advisory lock keeps the session until it lets
 *   go, so the lock still excludes everyone else (every connection is the same backend,
 *   for which the lock is re-entrant).
 * - Named prepared statements are renamed per connection, so two clients preparing the
 *   same name do not collide, and they are deallocated when the connection closes.
 * - LISTEN is refused: notifications would reach whichever connection ran the notifying
 *   statement, not the listener, so a listener would silently never hear anything.
 * - A client that disconnects mid-transaction is rolled back, as PostgreSQL would.
 * - A connection idle in a transaction while others wait for longer than the timeout is
 *   terminated (FATAL 57P05, like idle_in_transaction_session_timeout), because with one
 *   session an abandoned transaction would otherwise stall every other client forever.
 *
 * Other session state (SET, SQL-level PREPARE, temporary tables, cursors WITH HOLD) is
 * shared by all connections; Hangar uses none of it.
 *
 * The methods enqueue, clearQueueForHandler and clearTransactionIfNeeded are what
 * pglite-socket's PGLiteSocketHandler calls on its query queue.
 */

interface MessageItem {
  kind: "message";
  handlerId: number;
  message: Uint8Array;
  onData: (data: Uint8Array) => void;
  resolve: (bytes: number) => void;
  reject: (error: Error) => void;
}

interface CloseItem {
  kind: "close";
  handlerId: number;
  done: () => void;
}

type Item = MessageItem | CloseItem;

interface ConnectionState {
  /** Names of this connection's prepared statements, as the session knows them. */
  statements: Set<string>;
  /** It ran SQL that can take a session-level advisory lock, and may hold one. */
  mayHoldAdvisoryLock: boolean;
  /** Writes to the client: the latest output callback its handler gave us. */
  write: (data: Uint8Array) => void;
}

export interface SharedSessionOptions {
  db: PGlite;
  /** How long a connection may sit idle in a transaction while others wait. */
  idleInTransactionTimeoutMs: number;
  /** Closes a connection's socket; its handler then releases it here. */
  terminate: (handlerId: number) => void;
  warn: (message: string) => void;
}

const LISTEN = /^\s*listen\b/i;
const SESSION_ADVISORY_LOCK = Buffer.from("advisory_lock");
const refusedListen =
  "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = 'feature_not_supported', " +
  "MESSAGE = 'LISTEN is not supported by the embedded database (PGlite): every connection " +
  "shares one session, so notifications cannot reach the listener; poll instead'; END $$";

export class SharedSession {
  private readonly db: PGlite;
  private readonly options: SharedSessionOptions;
  private readonly queue: Item[] = [];
  private readonly connections = new Map<number, ConnectionState>();
  private owner: number | undefined;
  private running = false;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(options: SharedSessionOptions) {
    this.db = options.db;
    this.options = options;
  }

  /** Runs one protocol message of a connection, in its turn; resolves with bytes sent. */
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void) {
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ kind: "message", handlerId, message, onData, resolve, reject });
      this.pump();
    });
  }

  /** Drops a closing connection's messages that have not run yet. */
  clearQueueForHandler(handlerId: number): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const item = this.queue[i]!;
      if (item.handlerId !== handlerId || item.kind !== "message") continue;
      this.queue.splice(i, 1);
      item.reject(new Error("connection closed"));
    }
  }

  /** Cleans up after a closing connection: rollback, its statements, the session. */
  clearTransactionIfNeeded(handlerId: number): Promise<void> {
    if (!this.connections.has(handlerId)) return Promise.resolve();
    return new Promise<void>((done) => {
      this.queue.push({ kind: "close", handlerId, done });
      this.pump();
    });
  }

  /** How many connections wait for another one to let go of the session. */
  waiting(): number {
    const others = this.queue.filter((item) => item.handlerId !== this.owner);
    return new Set(others.map((item) => item.handlerId)).size;
  }

  private pump(): void {
    if (this.running) return;
    this.running = true;
    void this.drain();
  }

  // Never throws: a failure belongs to the item that caused it.
  private async drain(): Promise<void> {
    for (;;) {
      const index =
        this.owner === undefined ? 0 : this.queue.findIndex((i) => i.handlerId === this.owner);
      if (index < 0 || this.queue.length === 0) {
        // Decided and recorded in one synchronous step, so no enqueue can slip between.
        this.running = false;
        this.watchIdleOwner();
        return;
      }
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
      const [item] = this.queue.splice(index, 1);
      if (item === undefined) continue;
      if (item.kind === "close") {
        await this.close(item.handlerId);
        item.done();
      } else if (item.message[0] === frontend.terminate) {
        // PostgreSQL ends the backend here; for us only this connection ends.
        await this.close(item.handlerId);
        item.resolve(0);
      } else {
        await this.run(item);
      }
    }
  }

  private connection(handlerId: number, write: (data: Uint8Array) => void): ConnectionState {
    let state = this.connections.get(handlerId);
    if (state === undefined) {
      state = { statements: new Set(), mayHoldAdvisoryLock: false, write };
      this.connections.set(handlerId, state);
    }
    state.write = write;
    return state;
  }

  private async run(item: MessageItem): Promise<void> {
    const state = this.connection(item.handlerId, item.onData);
    let message: Uint8Array;
    try {
      message = this.rewrite(item.handlerId, state, item.message);
    } catch (error) {
      item.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    this.owner = item.handlerId;
    const tracker = new ReadyForQueryTracker();
    let bytes = 0;
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(message, {
          onRawData: (chunk) => {
            bytes += chunk.length;
            tracker.feed(chunk);
            item.onData(chunk);
          },
        }),
      );
    } catch (error) {
      // The session stays with this connection: its handler closes it on this error,
      // and the close rolls back whatever it left open.
      item.reject(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (tracker.readyStatus === transactionStatus.idle && !(await this.holdsLock(state))) {
      this.owner = undefined;
    }
    item.resolve(bytes);
  }

  private rewrite(handlerId: number, state: ConnectionState, message: Uint8Array): Uint8Array {
    if (isStartup(message)) return message;
    const range = sqlOf(message);
    if (range !== undefined) {
      const sql = Buffer.from(
        message.buffer,
        message.byteOffset + range.start,
        range.end - range.start,
      );
      if (LISTEN.test(sql.toString("utf8", 0, 64))) return withSql(message, refusedListen);
      if (sql.includes(SESSION_ADVISORY_LOCK)) state.mayHoldAdvisoryLock = true;
    }
    const name = statementName(message);
    if (name === undefined) return message;
    const scoped = `c${handlerId}:${name}`;
    if (message[0] === frontend.parse) state.statements.add(scoped);
    if (message[0] === frontend.close) state.statements.delete(scoped);
    return withStatementName(message, () => scoped);
  }

  /**
   * Whether the session still holds a session-level advisory lock, which only the owner
   * can have taken. Asked only of connections whose SQL could have taken one.
   */
  private async holdsLock(state: ConnectionState): Promise<boolean> {
    if (!state.mayHoldAdvisoryLock) return false;
    try {
      const { rows } = await this.db.query<{ held: number }>(
        "SELECT count(*)::int AS held FROM pg_locks WHERE locktype = 'advisory'",
      );
      state.mayHoldAdvisoryLock = (rows[0]?.held ?? 0) > 0;
    } catch (error) {
      this.options.warn(`embedded database: could not look for advisory locks: ${String(error)}`);
    }
    return state.mayHoldAdvisoryLock;
  }

  /** Runs a message of our own; its output goes nowhere. */
  private async exec(message: Uint8Array): Promise<void> {
    // Not execProtocolRaw: PGlite would hand its output to the last stream's callback,
    // i.e. to whichever client ran the previous message.
    await this.db.runExclusive(() =>
      this.db.execProtocolRawStream(message, { onRawData: () => undefined }),
    );
  }

  private async close(handlerId: number): Promise<void> {
    const state = this.connections.get(handlerId);
    if (state === undefined) return;
    this.connections.delete(handlerId);
    try {
      if (this.owner === handlerId) {
        // ROLLBACK ends an open transaction block and an unfinished extended-protocol
        // cycle alike (never Sync first: that would commit the cycle's implicit
        // transaction). After an error the server ignores everything until Sync, so
        // the ROLLBACK is repeated if the Sync left a transaction open.
        await this.exec(queryMessage("ROLLBACK"));
        await this.exec(syncMessage());
        if (this.db.isInTransaction()) await this.exec(queryMessage("ROLLBACK"));
        if (state.mayHoldAdvisoryLock) {
          await this.exec(queryMessage("SELECT pg_advisory_unlock_all()"));
        }
      }
      for (const name of state.statements) {
        await this.exec(queryMessage(`DEALLOCATE "${name.replaceAll('"', '""')}"`));
      }
    } catch (error) {
      this.options.warn(
        `embedded database: cleaning up connection ${handlerId} failed: ${String(error)}`,
      );
    } finally {
      if (this.owner === handlerId) this.owner = undefined;
    }
  }

  /**
   * Arms the idle-in-transaction timeout when the session's owner has nothing to run
   * while others wait for it.
   */
  private watchIdleOwner(): void {
    const owner = this.owner;
    // A timer already running measures this same idle spell: newcomers must not reset it.
    if (owner === undefined || this.queue.length === 0 || this.idleTimer !== undefined) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.running || this.owner !== owner || this.queue.length === 0) return;
      const seconds = Math.round(this.options.idleInTransactionTimeoutMs / 1000);
      this.options.warn(
        `embedded database: connection ${owner} sat idle in a transaction for ${seconds}s ` +
          `while ${this.waiting()} other connection(s) waited; terminating it`,
      );
      this.connections
        .get(owner)
        ?.write(
          fatalErrorMessage(
            "57P05",
            "terminating connection due to idle-in-transaction timeout (the embedded " +
              "database runs one transaction at a time)",
          ),
        );
      this.options.terminate(owner);
      // In case the handler is already gone and will not call back.
      void this.clearTransactionIfNeeded(owner);
    }, this.options.idleInTransactionTimeoutMs);
    this.idleTimer.unref();
  }
}
