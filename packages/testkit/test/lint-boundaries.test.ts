import { ESLint } from "eslint";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The architecture rules in eslint.config.mjs are only worth something if they
// fire: each case lints a small text as if it were a file in that folder.
const root = fileURLToPath(new URL("../../..", import.meta.url));
const eslint = new ESLint({ cwd: root });

async function rulesHit(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

// Type-aware linting builds a TypeScript program first: slow on a loaded machine.
describe("architecture lint rules", { timeout: 300_000 }, () => {
  const workflow = "packages/server/src/workflows/self-check.ts";

  it("ban Node builtins in workflow code", async () => {
    const hits = await rulesHit(
      workflow,
      'import { readFileSync } from "node:fs";\nexport const x = readFileSync;\n',
    );
    expect(hits).toContain("@typescript-eslint/no-restricted-imports");
  });

  it("let workflows import activities by type only", async () => {
    const value = await rulesHit(
      workflow,
      'import { createSelfCheckActivities } from "../activities/self-check.js";\nexport const x = createSelfCheckActivities;\n',
    );
    expect(value).toContain("@typescript-eslint/no-restricted-imports");
    const typeOnly = await rulesHit(
      workflow,
      'import type { SelfCheckActivities } from "../activities/self-check.js";\nexport type X = SelfCheckActivities;\n',
    );
    expect(typeOnly).not.toContain("@typescript-eslint/no-restricted-imports");
  });

  it("keep adapters from importing the composition root", async () => {
    const hits = await rulesHit(
      "packages/server/src/storage/database.ts",
      'import { startDev } from "../main/dev.js";\nexport const x = startDev;\n',
    );
    expect(hits).toContain("import-x/no-restricted-paths");
  });

  it("allow only config/ to read the environment", async () => {
    const hits = await rulesHit(
      "packages/server/src/storage/database.ts",
      'export const url = process.env["HANGAR_DATABASE_URL"];\n',
    );
    expect(hits).toContain("no-restricted-properties");
  });

  it("catch floating promises and non-exhaustive switches", async () => {
    const hits = await rulesHit(
      "packages/server/src/storage/database.ts",
      [
        "async function work(): Promise<void> {}",
        "export function f(kind: 'a' | 'b'): number {",
        "  void 0;",
        "  work();",
        "  switch (kind) {",
        "    case 'a':",
        "      return 1;",
        "  }",
        "  return 0;",
        "}",
        "",
      ].join("\n"),
    );
    expect(hits).toContain("@typescript-eslint/no-floating-promises");
    expect(hits).toContain("@typescript-eslint/switch-exhaustiveness-check");
  });
});
