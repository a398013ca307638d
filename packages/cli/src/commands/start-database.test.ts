import { describe, expect, it } from "vitest";
import { ConfigError } from "@hangar/server/config/load.js";
import { chooseStartDatabase } from "./start-database.js";

describe("chooseStartDatabase", () => {
  it("runs on the embedded database when nothing names one", () => {
    expect(chooseStartDatabase({}, [])).toEqual({
      database: { kind: "embedded" },
      overrides: {},
      notes: [],
    });
    // Empty counts as unset, as everywhere in Hangar's configuration.
    expect(chooseStartDatabase({ HANGAR_DATABASE_URL: "", DATABASE_URL: "" }, []).database).toEqual(
      { kind: "embedded" },
    );
    expect(chooseStartDatabase({}, ["--database", "embedded"]).database).toEqual({
      kind: "embedded",
    });
  });

  it("runs on the local PostgreSQL service with --database postgres", () => {
    expect(chooseStartDatabase({}, ["--database", "postgres"]).database).toEqual({ kind: "local" });
    expect(chooseStartDatabase({}, ["--database=postgres"]).database).toEqual({ kind: "local" });
  });

  it("takes DATABASE_URL as HANGAR_DATABASE_URL", () => {
    expect(chooseStartDatabase({ DATABASE_URL: "postgres://db.example/hangar" }, [])).toEqual({
      database: { kind: "own", source: "DATABASE_URL" },
      overrides: { HANGAR_DATABASE_URL: "postgres://db.example/hangar" },
      notes: [],
    });
  });

  it("prefers HANGAR_DATABASE_URL (or its file) over DATABASE_URL, and says so", () => {
    const both = chooseStartDatabase(
      { HANGAR_DATABASE_URL: "postgres://a/hangar", DATABASE_URL: "postgres://b/other" },
      [],
    );
    expect(both.database).toEqual({ kind: "own", source: "HANGAR_DATABASE_URL" });
    expect(both.overrides).toEqual({});
    expect(both.notes).toEqual([
      "DATABASE_URL is ignored: HANGAR_DATABASE_URL is set and takes precedence",
    ]);
    const file = chooseStartDatabase(
      { HANGAR_DATABASE_URL_FILE: "/run/secrets/db", DATABASE_URL: "postgres://b/other" },
      [],
    );
    expect(file.database).toEqual({ kind: "own", source: "HANGAR_DATABASE_URL_FILE" });
    expect(file.overrides).toEqual({});
    // The same URL under both names is no conflict worth a word.
    const same = chooseStartDatabase(
      { HANGAR_DATABASE_URL: "postgres://a/hangar", DATABASE_URL: "postgres://a/hangar" },
      [],
    );
    expect(same.notes).toEqual([]);
  });

  it("refuses --database next to a database URL, and unknown options", () => {
    expect(() =>
      chooseStartDatabase({ DATABASE_URL: "postgres://b/other" }, ["--database", "postgres"]),
    ).toThrow(/--database: picks a local database, but DATABASE_URL names one/);
    expect(() => chooseStartDatabase({}, ["--database", "mysql"])).toThrow(ConfigError);
    expect(() => chooseStartDatabase({}, ["--database"])).toThrow(/must be embedded or postgres/);
    expect(() => chooseStartDatabase({}, ["--verbose"])).toThrow(/--verbose: unknown option/);
  });
});
