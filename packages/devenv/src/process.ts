import { spawn, type SpawnOptions } from "node:child_process";
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(`\`${command}\` exited with ${exitCode}:\n${output.slice(-4000)}`);
    this.name = "CommandError";
  }
}

/** Runs a command to completion and returns its combined output; throws CommandError on failure. */
export function run(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { quiet?: boolean } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    const collect = (chunk: Buffer): void => {
      output += chunk.toString();
      if (output.length > 1_000_000) output = output.slice(-500_000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(output);
      else reject(new CommandError([command, ...args].join(" "), code, output));
    });
  });
}

/**
 * Starts a long-running process that outlives this one (its own process
 * group, output appended to a log file) and records its pid.
 */
export function daemon(
  command: string,
  args: readonly string[],
  files: { log: string; pid: string },
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): number {
  const log = openSync(files.log, "a");
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", log, log],
    });
    if (child.pid === undefined) throw new Error(`could not start ${command}`);
    child.unref();
    writeFileSync(files.pid, String(child.pid));
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export function readPid(pidFile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidFile, "utf8").trim(), 10);
    return Number.isFinite(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** SIGTERM the process group, wait, then SIGKILL what is left. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signal("SIGKILL");
  while (isAlive(pid)) await sleep(50);
}

export async function stopPidFile(pidFile: string, graceMs?: number): Promise<void> {
  const pid = readPid(pidFile);
  if (pid !== undefined && isAlive(pid)) await stopPid(pid, graceMs);
  rmSync(pidFile, { force: true });
}

export function portOpen(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.setTimeout(1000);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => {
      resolve(false);
    });
  });
}

/** Polls `check` until it returns true; on timeout throws with `describe()` (e.g. a log tail). */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  options: { timeoutMs: number; intervalMs?: number; describe?: () => string },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) {
      const detail = options.describe?.() ?? "";
      throw new Error(
        `timed out after ${options.timeoutMs} ms waiting for ${what}${detail ? `\n${detail}` : ""}`,
      );
    }
    await sleep(options.intervalMs ?? 200);
  }
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
