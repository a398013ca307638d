import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTemporal, TEMPORAL_NAMESPACE } from "@hangar/devenv";
import { freePorts } from "./free-ports.js";

// A Temporal dev server of one test's own, for tests that stop and restart Temporal
// without disturbing the shared one. Its state is a SQLite file, so workflows, task
// queues and the namespace survive a restart as they would on a real cluster.

export interface PrivateTemporal {
  /** host:port of the frontend; the same across restarts. */
  address: string;
  namespace: string;
  /** Starts the server again on the same port, from the same state. */
  start(): Promise<void>;
  /** Stops the server (SIGTERM); its state stays on disk. */
  stop(): Promise<void>;
  /** Stops the server and deletes its state. */
  close(): Promise<void>;
}

export async function privateTemporal(): Promise<PrivateTemporal> {
  const dir = mkdtempSync(join(tmpdir(), "hangar-private-temporal-"));
  const [grpc, http, metrics, ui] = await freePorts(4);
  const service = createTemporal({
    dir,
    ports: { grpc: grpc!, http: http!, metrics: metrics!, ui: ui! },
    persistent: true,
    ui: false,
    namespaces: [TEMPORAL_NAMESPACE],
  });
  const guard = watchdog(join(dir, "temporal.pid"), dir);
  const close = async (): Promise<void> => {
    await service.stop();
    rmSync(dir, { recursive: true, force: true });
    // Its pipe closed, the watchdog finds no server left to kill, and ends.
    guard.stdin?.end();
  };
  try {
    await service.prepare();
    await service.start();
  } catch (error) {
    await close();
    throw error;
  }
  return {
    address: `127.0.0.1:${grpc!}`,
    namespace: TEMPORAL_NAMESPACE,
    start: () => service.start(),
    stop: () => service.stop(),
    close,
  };
}

/**
 * The server runs detached, in a process group of its own, and a test process can end
 * without running any cleanup (vitest stops its workers with a signal). This shell
 * outlives it only as long as its stdin, our end of a pipe, is open: the kernel closes
 * that however we end, and the shell then kills the server's process group and removes
 * its files. It ignores the terminal's signals, so a Ctrl-C cannot make it miss that.
 */
function watchdog(pidFile: string, dir: string): ChildProcess {
  const script = [
    "trap '' INT TERM HUP",
    "cat >/dev/null",
    'pid=$(cat "$1" 2>/dev/null) && kill -s KILL -- "-$pid" 2>/dev/null',
    'rm -rf "$2"',
  ].join("; ");
  const child = spawn("sh", ["-c", script, "temporal-watchdog", pidFile, dir], {
    detached: true,
    stdio: ["pipe", "ignore", "ignore"],
  });
  // Neither may keep this process alive: the pipe only has to exist.
  child.unref();
  if (child.stdin instanceof Socket) child.stdin.unref();
  return child;
}
