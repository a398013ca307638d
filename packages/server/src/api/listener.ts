import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { Duplex } from "node:stream";

// One port for HTTP/1.1 and cleartext HTTP/2 with prior knowledge (h2c), as gRPC and
// Connect clients use it without TLS: every connection's first bytes are compared with
// HTTP/2's connection preface, then the socket is handed, bytes and all, to the server
// of its protocol. Behind TLS or a load balancer the same port keeps working.

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** A client that connects and says nothing is dropped after this long. */
const FIRST_BYTES_TIMEOUT_MS = 30_000;

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

export interface DualProtocolListener {
  /** e.g. http://127.0.0.1:8081 */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * The socket as a stream that first yields the bytes already read from it. HTTP/1.1 takes
 * them back through `unshift`; HTTP/2 reads from the socket's native handle, past
 * anything unshifted, so it gets this stream instead (Node wraps any duplex for HTTP/2).
 */
function replaying(socket: net.Socket, seen: Buffer): Duplex {
  const stream = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, callback) {
      socket.write(chunk, callback);
    },
    final(callback) {
      socket.end(callback);
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  stream.push(seen);
  socket.on("data", (chunk: Buffer) => {
    if (!stream.push(chunk)) socket.pause();
  });
  socket.once("end", () => stream.push(null));
  socket.once("close", () => stream.destroy());
  return stream;
}

export async function listenDualProtocol(
  handler: RequestHandler,
  options: { host: string; port: number },
): Promise<DualProtocolListener> {
  const h1 = http.createServer(handler);
  // Slow-header clients must not hold sockets for ever.
  h1.headersTimeout = 20_000;
  h1.requestTimeout = 60_000;
  const h2 = http2.createServer(handler);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  h2.on("session", (session) => {
    sessions.add(session);
    session.once("close", () => sessions.delete(session));
  });

  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => {
      socket.destroy();
    });
    socket.setTimeout(FIRST_BYTES_TIMEOUT_MS, () => socket.destroy());
    let seen = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      seen = Buffer.concat([seen, chunk]);
      const compared = Math.min(seen.length, PREFACE.length);
      const isHttp2 = seen.subarray(0, compared).equals(PREFACE.subarray(0, compared));
      if (isHttp2 && seen.length < PREFACE.length) return;
      socket.removeListener("data", onData);
      socket.setTimeout(0);
      if (isHttp2) {
        h2.emit("connection", replaying(socket, seen));
        return;
      }
      socket.pause();
      socket.unshift(seen);
      h1.emit("connection", socket);
      socket.resume();
    };
    socket.on("data", onData);
  });

  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(options.port, options.host, () => {
      tcp.off("error", reject);
      resolve();
    });
  });
  const address = tcp.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;

  return {
    url: `http://${host}:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((resolve) => {
        tcp.close(() => {
          resolve();
        });
      });
      // Requests in flight finish; idle keep-alive sockets and sessions go now.
      h1.closeIdleConnections();
      for (const session of sessions) session.close();
      const grace = setTimeout(() => {
        for (const socket of sockets) socket.destroy();
      }, 5_000);
      await closed;
      clearTimeout(grace);
    },
  };
}
