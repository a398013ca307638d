/** Where a command writes, and what it reads: the process's, or a test's captures. */
export interface Output {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** The whole of standard input (`echo $TOKEN | hangar login`). */
  readStdin(): Promise<string>;
  /** Whether standard input is a terminal, in which case nothing is read from it. */
  stdinIsTTY: boolean;
}

export function processIo(): Io {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    stdinIsTTY: process.stdin.isTTY,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}

/** Colour only for a person at a terminal who has not asked for none (no-color.org). */
export function useColour(output: Output, env: NodeJS.ProcessEnv): boolean {
  return output.isTTY === true && (env["NO_COLOR"] ?? "") === "" && env["TERM"] !== "dumb";
}
