import { createWriteStream, type WriteStream } from "node:fs";
import { Command, Option } from "commander";
import { GetUsageResponseSchema } from "@hangar/api/usage_service_pb.js";
import { workspaceId } from "../client/workspace.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { formatDuration, formatSeconds, orNone } from "../output/format.js";
import { messageJson, printJson } from "../output/json.js";
import { progress } from "../output/progress.js";
import { printFields, printTable } from "../output/table.js";
import { apiFor, globalOptions } from "./context.js";

interface PeriodOptions {
  month?: string;
  from?: string;
  to?: string;
}

function periodOptions(command: Command): Command {
  return command
    .option("--month <YYYY-MM>", "a calendar month (default: the current UTC month)")
    .option("--from <YYYY-MM-DD>", "first day of a range (with --to)")
    .option("--to <YYYY-MM-DD>", "day after the range's last");
}

function period(options: PeriodOptions): { month: string; startDay: string; endDay: string } {
  if (options.month !== undefined && (options.from !== undefined || options.to !== undefined)) {
    throw new CliError("give --month, or --from and --to, not both", ExitCode.usage);
  }
  return { month: options.month ?? "", startDay: options.from ?? "", endDay: options.to ?? "" };
}

function closeStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.end((error?: Error | null) => {
      if (error) reject(error);
      else resolve();
    });
  });
}

export function usageCommand(io: Io): Command {
  const group = new Command("usage").description(
    "what the workspace used and owes, from the billing ledger",
  );
  periodOptions(
    group
      .command("show")
      .description("the statement of a period: per offering, totals, and --daily the days")
      .option("--daily", "also list the period's usage per day and offering"),
  ).action(async (options: PeriodOptions & { daily?: boolean }, command: Command) => {
    const api = apiFor(io, command);
    const workspace = await workspaceId(api);
    const usage = await api.call(() =>
      api.usage.getUsage({ workspaceId: workspace, ...period(options) }),
    );
    if (globalOptions(command).json) {
      printJson(io, messageJson(GetUsageResponseSchema, usage));
      return;
    }
    printFields(io, [["Period", `${usage.startDay} to ${usage.endDay} (end excluded)`]]);
    io.stdout.write("\n");
    printTable(
      io,
      ["offering", "jobs", "minutes", "billed", "amount", "currency", "cluster time"],
      usage.lines.map((line) => [
        line.offeringName || line.offeringId || "custom",
        String(line.jobs),
        String(line.startedMinutes),
        formatSeconds(Number(line.billedSeconds)),
        line.amount,
        line.currency,
        line.infra
          ? `busy ${formatDuration(line.infra.busy)}, idle ${formatDuration(line.infra.idle)}`
          : "-",
      ]),
      "No usage in this period.",
    );
    for (const total of usage.totals) {
      io.stdout.write(
        `Total ${total.currency}: ${total.amount} for ${total.jobs} jobs, ${total.startedMinutes} started minutes\n`,
      );
    }
    if (options.daily) {
      io.stdout.write("\n");
      printTable(
        io,
        ["day", "offering", "jobs", "billed", "amount", "currency"],
        usage.days.map((day) => [
          day.day,
          orNone(day.offeringId) === "-" ? "custom" : day.offeringId,
          String(day.jobs),
          formatSeconds(Number(day.billedSeconds)),
          day.amount,
          day.currency,
        ]),
        "No billed day in this period.",
      );
    }
  });
  periodOptions(
    group
      .command("export")
      .description("the period as CSV (admins): to standard output, or --output a file")
      .addOption(
        new Option("--kind <kind>", "statement, or events: one row per billed job")
          .choices(["statement", "events"])
          .default("statement"),
      )
      .option("-o, --output <file>", "write the CSV to this file instead of standard output"),
  ).action(async (options: PeriodOptions & { kind: string; output?: string }, command: Command) => {
    const api = apiFor(io, command);
    const workspace = await workspaceId(api);
    const request = { workspaceId: workspace, kind: options.kind, ...period(options) };
    const file =
      options.output === undefined ? undefined : createWriteStream(options.output, { mode: 0o600 });
    const shown = progress(io);
    const decoder = new TextDecoder();
    let bytes = 0;
    try {
      await api.call(async () => {
        for await (const piece of api.usage.exportUsage(request)) {
          bytes += piece.data.byteLength;
          if (file) file.write(piece.data);
          else io.stdout.write(decoder.decode(piece.data, { stream: true }));
          shown.update(`exporting usage: ${Math.ceil(bytes / 1024)} KiB`);
        }
      });
      if (!file) io.stdout.write(decoder.decode());
    } finally {
      shown.done();
      if (file) await closeStream(file);
    }
    if (options.output !== undefined)
      io.stderr.write(`Wrote ${bytes} bytes to ${options.output}.\n`);
  });
  return group;
}
