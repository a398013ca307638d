import { execFile } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { promisify } from "node:util";

// Browser tests drive Debian's Chromium through playwright-core: Playwright's own
// browser downloads are not reachable from every machine, apt is.

const execFileAsync = promisify(execFile);

export const chromiumPath = "/usr/bin/chromium";

/** Flags that let Chromium run headless as root in a container without a GPU. */
export const chromiumArgs = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

// Test files run in parallel workers, and apt-get refuses to run while another holds
// dpkg's lock instead of waiting, so installs are serialised with flock(1).
const LOCK_FILE = "/var/lock/hangar-chromium.lock";

function installed(): boolean {
  try {
    accessSync(chromiumPath, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

let pending: Promise<string> | undefined;

/**
 * Returns the path of a Chromium executable, installing Debian's package once if it
 * is missing and this process runs as root. Fails with what to do otherwise.
 */
export function ensureChromium(): Promise<string> {
  pending ??= install();
  return pending;
}

async function install(): Promise<string> {
  if (installed()) return chromiumPath;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `Chromium is missing at ${chromiumPath} and this is not root: install it with \`apt-get install -y chromium\` to run the browser tests.`,
    );
  }
  // Inside the lock, check again: another worker may have installed it meanwhile.
  // A failed install is retried once after refreshing the package lists.
  const script = [
    `test -x ${chromiumPath} && exit 0`,
    "apt-get install -y -q --no-install-recommends chromium && exit 0",
    "apt-get update -q && apt-get install -y -q --no-install-recommends chromium",
  ].join("\n");
  try {
    await execFileAsync("flock", [LOCK_FILE, "sh", "-c", script], {
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    throw new Error(
      `could not install Chromium with apt-get (needed by the browser tests); install it with \`apt-get install -y chromium\``,
      { cause: error },
    );
  }
  if (!installed()) throw new Error(`apt-get ran but ${chromiumPath} is still missing`);
  return chromiumPath;
}
