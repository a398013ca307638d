// Fails when the committed generated code (packages/api/src/gen) differs from
// what `npm run generate` would produce. Regenerates in a scratch copy of the
// proto sources and buf config, so the working tree is never touched.
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const gen = "packages/api/src/gen";
const scratch = mkdtempSync(join(tmpdir(), "hangar-gen-"));
// buf finds the local protoc-gen-es plugin on PATH, as it does under npm scripts.
const env = {
  ...process.env,
  PATH: `${join(root, "node_modules/.bin")}${delimiter}${process.env.PATH}`,
};

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: scratch, env, stdio: "inherit" });
  if (r.status !== 0)
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.error ?? `exit ${r.status}`})`);
}

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((n) =>
    statSync(join(dir, n)).isFile(),
  );
}

try {
  for (const f of ["buf.yaml", "buf.gen.yaml", ".prettierrc.json", "proto"]) {
    cpSync(join(root, f), join(scratch, f), { recursive: true });
  }
  run("buf", ["generate"]);
  run("prettier", ["--log-level", "warn", "--write", gen]);

  const want = join(scratch, gen);
  const have = join(root, gen);
  const names = [...new Set([...files(want), ...files(have)])].sort();
  const stale = names.filter((n) => {
    const [a, b] = [join(want, n), join(have, n)];
    return !existsSync(a) || !existsSync(b) || !readFileSync(a).equals(readFileSync(b));
  });
  if (stale.length > 0) {
    console.error(
      `${gen} is out of date with proto/. Run \`npm run generate\` and commit the result.`,
    );
    for (const n of stale) console.error(`  ${join(gen, n)}`);
    process.exitCode = 1;
  } else {
    console.log(`${gen} is up to date.`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
