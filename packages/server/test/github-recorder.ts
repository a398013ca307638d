import { Agent, createServer, request, type IncomingHttpHeaders } from "node:http";

// Test-only: a pass-through proxy in front of the simulated GitHub that keeps, in the
// order GitHub answered them, every just-in-time registration (by runner name, with the
// runner id minted) and every runner removal. It stands where GitHub's own audit log
// would: a worker SIGKILLed mid-request cannot hide a registration that reached GitHub,
// because the answer is recorded here, not in the worker. It can also hold back the
// answers to registrations, so that a test can kill a worker at the one moment a
// registration exists that the worker has not heard of yet. Everything else is
// forwarded untouched (links in answers still point at the simulator itself).

export interface JitRegistration {
  /** Position among everything recorded, in the order GitHub answered. */
  seq: number;
  /** The runner name in the request. */
  name: string;
  /** 201: a runner and its config were minted; 409: the name was taken. */
  status: number;
  /** The runner minted (201 only). */
  runnerId: number | null;
}

export interface RunnerRemoval {
  seq: number;
  runnerId: number;
  /** 204: removed; 404: already gone; 422: busy. */
  status: number;
}

export interface GitHubRecorder {
  /** Where a GitHub client should send its requests. */
  url: string;
  registrations(): JitRegistration[];
  removals(): RunnerRemoval[];
  /** Registrations that minted a runner (201), per runner name. */
  mintsByName(): Map<string, number>;
  /**
   * While on, answers to registrations are held back (GitHub has minted the runner, the
   * caller does not know yet); turning it off releases them.
   */
  holdRegistrations(held: boolean): void;
  /** Runner names whose minted registration is being held back. */
  held(): string[];
  /** Runner names minted whose answer never reached the caller (it was gone first). */
  orphaned(): string[];
  close(): Promise<void>;
}

/** Headers about one connection, not the request: each hop sets its own. */
function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection: _connection, "keep-alive": _keepAlive, ...rest } = headers;
  return rest;
}

const JIT_PATH = /\/actions\/runners\/generate-jitconfig(\?|$)/;
const RUNNER_PATH = /\/actions\/runners\/(\d+)(\?|$)/;

function json(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return null;
  }
}

function runnerName(requestBody: Buffer): string {
  const parsed = json(requestBody);
  if (typeof parsed === "object" && parsed !== null && "name" in parsed) {
    return typeof parsed.name === "string" ? parsed.name : "";
  }
  return "";
}

function mintedRunnerId(answerBody: Buffer): number | null {
  const parsed = json(answerBody);
  if (typeof parsed !== "object" || parsed === null || !("runner" in parsed)) return null;
  const runner = parsed.runner;
  if (typeof runner !== "object" || runner === null || !("id" in runner)) return null;
  return typeof runner.id === "number" ? runner.id : null;
}

export async function startGitHubRecorder(upstreamUrl: string): Promise<GitHubRecorder> {
  const upstream = new URL(upstreamUrl);
  const registrations: JitRegistration[] = [];
  const removals: RunnerRemoval[] = [];
  let seq = 0;
  let holding = false;
  const heldBack = new Map<string, () => void>();
  const orphans: string[] = [];
  // A fresh upstream connection per request: a reused one that the simulator has just
  // closed would fail a request GitHub itself would have answered.
  const agent = new Agent({ keepAlive: false });

  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A client that dies mid-request sends nothing on: GitHub would not have seen it.
    incoming.on("error", () => undefined);
    outgoing.on("error", () => undefined);
    let callerGone = false;
    outgoing.on("close", () => {
      if (!outgoing.writableFinished) callerGone = true;
    });
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const path = incoming.url ?? "";
      const isJit = incoming.method === "POST" && JIT_PATH.test(path);
      const removed = incoming.method === "DELETE" ? RUNNER_PATH.exec(path) : null;
      const forward = request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path,
          headers: { ...endToEnd(incoming.headers), host: upstream.host },
          agent,
        },
        (answer) => {
          const status = answer.statusCode ?? 0;
          const headers = endToEnd(answer.headers);
          if (!isJit) {
            if (removed !== null) {
              seq += 1;
              removals.push({ seq, runnerId: Number(removed[1]), status });
            }
            outgoing.writeHead(status, headers);
            answer.pipe(outgoing);
            return;
          }
          const answerChunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => answerChunks.push(chunk));
          answer.on("end", () => {
            const answerBody = Buffer.concat(answerChunks);
            const name = runnerName(body);
            seq += 1;
            registrations.push({
              seq,
              name,
              status,
              runnerId: status === 201 ? mintedRunnerId(answerBody) : null,
            });
            const send = () => {
              heldBack.delete(name);
              if (callerGone) {
                if (status === 201) orphans.push(name);
                return;
              }
              outgoing.writeHead(status, headers);
              outgoing.end(answerBody);
            };
            if (holding && status === 201) {
              heldBack.set(name, send);
              // A caller that dies while its answer is held never learns of the runner.
              outgoing.once("close", () => {
                if (heldBack.has(name)) send();
              });
            } else send();
          });
        },
      );
      forward.on("error", () => outgoing.destroy());
      forward.end(body);
    });
  });
  // Longer than any client keeps an idle connection, so the client is always the one
  // to close it: a request sent on a connection the server is closing would be lost.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the recorder has no port");
  return {
    url: `http://127.0.0.1:${address.port}`,
    registrations: () => registrations.map((entry) => ({ ...entry })),
    removals: () => removals.map((entry) => ({ ...entry })),
    mintsByName() {
      const counts = new Map<string, number>();
      for (const { name, status } of registrations) {
        if (status === 201) counts.set(name, (counts.get(name) ?? 0) + 1);
      }
      return counts;
    },
    holdRegistrations(held) {
      holding = held;
      if (!held) for (const send of [...heldBack.values()]) send();
    },
    held: () => [...heldBack.keys()],
    orphaned: () => [...orphans],
    async close() {
      holding = false;
      heldBack.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
