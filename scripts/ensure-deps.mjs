// Runs before `npm start`, `npm test` and `npm run check`: on a fresh clone
// (or after package-lock.json changed) it installs the locked dependencies, so
// those commands work without a separate install step. Dependency-free on purpose.
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 20 || (major === 20 && minor < 11)) {
  console.error(`Hangar needs Node.js 20.11 or newer; this is ${process.versions.node}.`);
  process.exit(1);
}

const lockfile = `${root}package-lock.json`;
const stamp = `${root}node_modules/.hangar-lock-hash`;
const wanted = createHash("sha256").update(readFileSync(lockfile)).digest("hex");
const installed = existsSync(stamp) ? readFileSync(stamp, "utf8").trim() : "";

if (installed !== wanted) {
  console.error("[hangar] installing dependencies (npm ci)…");
  const started = Date.now();
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: root,
    stdio: "inherit",
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(stamp, `${wanted}\n`);
  console.error(
    `[hangar] dependencies installed in ${((Date.now() - started) / 1000).toFixed(1)}s`,
  );
}
