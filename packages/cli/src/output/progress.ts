import type { Io } from "../io.js";

export interface Progress {
  update(text: string): void;
  done(): void;
}

/**
 * One line on stderr, rewritten in place, for long operations; only on a terminal, so
 * logs and pipes see none of it.
 */
export function progress(io: Io): Progress {
  if (io.stderr.isTTY !== true) return { update: () => undefined, done: () => undefined };
  let shown = false;
  return {
    update(text) {
      io.stderr.write(`\r\u001b[2K${text}`);
      shown = true;
    },
    done() {
      if (shown) io.stderr.write("\r\u001b[2K");
      shown = false;
    },
  };
}
