import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configVariables } from "./variables.js";

// docs/configuration.md is written by hand from configVariables; this keeps
// it honest when a variable is added, renamed or becomes a secret.
const page = readFileSync(new URL("../../../../docs/configuration.md", import.meta.url), "utf8");

describe("docs/configuration.md", () => {
  it.each(configVariables.map((variable) => [variable.name, variable] as const))(
    "documents %s",
    (name, variable) => {
      expect(page).toContain(`\`${name}\``);
      if (variable.secret) expect(page).toContain(`\`${name}_FILE\``);
      if (variable.default !== undefined) expect(page).toContain(`\`${variable.default}\``);
    },
  );

  it("documents no variable that does not exist", () => {
    const known = new Set<string>(
      configVariables.flatMap((variable) => [variable.name, `${variable.name}_FILE`]),
    );
    const mentioned = page.match(/\b(?:HANGAR|OTEL)_[A-Z0-9_]+\b/g) ?? [];
    expect(mentioned.filter((name) => !known.has(name))).toEqual([]);
  });
});
