import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { connectApi, type Api } from "../client/api.js";
import { resolveSettings, type ConnectionFlags } from "../client/settings.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { messageJson, printJson } from "../output/json.js";
import { printTable } from "../output/table.js";

export interface GlobalOptions extends ConnectionFlags {
  json?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** The API as the flags, environment and config file say. */
export function apiFor(io: Io, command: Command): Api {
  return connectApi(resolveSettings(globalOptions(command), io.env));
}

/** A whole number flag, refused as a usage error otherwise. */
export function integer(name: string, min = 0): (value: string) => number {
  return (value) => {
    if (!/^-?\d+$/.test(value) || Number(value) < min) {
      throw new CliError(
        `${name} must be a whole number of at least ${min}, not "${value}"`,
        ExitCode.usage,
      );
    }
    return Number(value);
  };
}

/** Repeatable and comma-separated: `--label a --label b,c`. */
export function collectList(value: string, previous: string[] | undefined): string[] {
  return [
    ...(previous ?? []),
    ...value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== ""),
  ];
}

/** Paging flags of list commands. */
export function addPaging(command: Command, fallback = 50): Command {
  return command
    .option("--limit <n>", `list at most n (default ${fallback})`, integer("--limit", 1), fallback)
    .option("--all", "list every one, page after page");
}

/** Says on stderr that a list was cut, so a table alone never looks complete when it is not. */
export function noteMore(io: Io, more: boolean, shown: number): void {
  if (more) io.stderr.write(`(first ${shown} shown; --limit <n> or --all for more)\n`);
}

/**
 * A list command's output: the API's objects as JSON with `--json`, else a table and,
 * when the list was cut, a note saying so.
 */
export function printListing<Desc extends DescMessage>(
  io: Io,
  command: Command,
  listing: {
    schema: Desc;
    items: readonly MessageShape<Desc>[];
    more: boolean;
    columns: readonly string[];
    row: (item: MessageShape<Desc>) => string[];
    empty: string;
  },
): void {
  if (globalOptions(command).json) {
    printJson(
      io,
      listing.items.map((item) => messageJson(listing.schema, item)),
    );
    return;
  }
  printTable(io, listing.columns, listing.items.map(listing.row), listing.empty);
  noteMore(io, listing.more, listing.items.length);
}
