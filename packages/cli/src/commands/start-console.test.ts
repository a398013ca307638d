import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { consoleBuildReason } from "./start-console.js";

const dir = mkdtempSync(join(tmpdir(), "hangar-start-console-"));
const paths = { dist: join(dir, "dist"), sources: [join(dir, "src"), join(dir, "index.html")] };
const at = (path: string, seconds: number) => {
  utimesSync(path, seconds, seconds);
};

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("whether npm start rebuilds the dashboard", () => {
  it("builds when dist is missing, when a source is newer, and not otherwise", async () => {
    mkdirSync(join(dir, "src/pages"), { recursive: true });
    writeFileSync(join(dir, "src/pages/usage.tsx"), "");
    writeFileSync(join(dir, "index.html"), "");
    expect(await consoleBuildReason(paths)).toBe("not built yet");

    mkdirSync(paths.dist);
    writeFileSync(join(paths.dist, "index.html"), "");
    for (const path of ["src", "src/pages", "src/pages/usage.tsx", "index.html"]) {
      at(join(dir, path), 1_000);
    }
    at(join(paths.dist, "index.html"), 2_000);
    expect(await consoleBuildReason(paths)).toBeUndefined();

    // A file deep in the sources changed after the build.
    at(join(dir, "src/pages/usage.tsx"), 3_000);
    expect(await consoleBuildReason(paths)).toBe("its sources changed since the last build");
  });
});
