import { Command } from "commander";
import { RunnerSchema, type Runner } from "@hangar/api/runner_pb.js";
import { collect, type Api } from "../client/api.js";
import { isUuid, workspaceId } from "../client/workspace.js";
import { CliError, ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { formatTime, list, NONE, orNone } from "../output/format.js";
import { messageJson, printJson } from "../output/json.js";
import { progress } from "../output/progress.js";
import { printFields } from "../output/table.js";
import { addPaging, apiFor, globalOptions, integer, printListing } from "./context.js";
import { runnerSpecOptions, updateFromOptions, type RunnerSpecOptions } from "./runners-spec.js";

async function allRunners(api: Api, workspace: string): Promise<Runner[]> {
  const { items } = await api.call(() =>
    collect(
      async (pageSize, pageToken) => {
        const page = await api.runners.listRunners({ workspaceId: workspace, pageSize, pageToken });
        return { items: page.runners, nextPageToken: page.nextPageToken };
      },
      { limit: 0, all: true },
    ),
  );
  return items;
}

/** A runner id from an id or a name in the workspace. */
async function runnerId(api: Api, ref: string, cache?: { runners?: Runner[] }): Promise<string> {
  if (isUuid(ref)) return ref.toLowerCase();
  const holder = cache ?? {};
  holder.runners ??= await allRunners(api, await workspaceId(api));
  const found = holder.runners.find((runner) => runner.name === ref);
  if (found === undefined)
    throw new CliError(`no runner named "${ref}" in this workspace`, ExitCode.notFound);
  return found.id;
}

function size(r: Runner): string {
  return `${r.cpu || "?"} cpu / ${r.memory || "?"}`;
}

function fleet(r: Runner): string {
  const f = r.fleet;
  if (f === undefined) return NONE;
  return `${f.busy} busy, ${f.idle} idle, ${f.starting} starting (want ${f.desired})`;
}

function showRunner(io: Io, r: Runner): void {
  printFields(io, [
    ["ID", r.id],
    ["Name", r.name],
    ["Status", r.statusMessage ? `${r.status} (${r.statusMessage})` : r.status],
    [r.isCustom ? "Image" : "Offering", r.isCustom ? r.image : r.runnerOfferingId],
    ["Size", size(r)],
    ["Labels", list(r.labels)],
    ["Repositories", r.repositories.length === 0 ? "all" : r.repositories.join(", ")],
    ["Idle / max", `${r.minIdle} / ${r.maxRunners}`],
    ["Pre-warm", r.prewarmMaxIdle === undefined ? "off" : `up to ${r.prewarmMaxIdle}`],
    ["Registry credential", orNone(r.registryCredentialId)],
    ["Fleet", fleet(r)],
    ["Namespace", r.namespace],
    ["Installation", r.installationId === 0n ? NONE : String(r.installationId)],
    ["Created", formatTime(r.createTime)],
    ["Updated", formatTime(r.updateTime)],
  ]);
}

function printRunner(io: Io, r: Runner | undefined, json: boolean | undefined): void {
  if (r === undefined) return;
  if (json) printJson(io, messageJson(RunnerSchema, r));
  else showRunner(io, r);
}

type BulkVerb = "suspend" | "resume" | "rm";
const bulkPast: Record<BulkVerb, string> = {
  suspend: "suspended",
  resume: "resumed",
  rm: "deleting",
};

async function bulk(
  io: Io,
  command: Command,
  verb: BulkVerb,
  refs: readonly string[],
): Promise<void> {
  const api = apiFor(io, command);
  const json = globalOptions(command).json;
  const cache: { runners?: Runner[] } = {};
  const shown = progress(io);
  const done: Runner[] = [];
  const failures: CliError[] = [];
  for (const [index, ref] of refs.entries()) {
    shown.update(`${verb} ${index + 1}/${refs.length}: ${ref}`);
    try {
      const id = await runnerId(api, ref, cache);
      const { runner } = await api.call((): Promise<{ runner?: Runner | undefined }> => {
        switch (verb) {
          case "suspend":
            return api.runners.suspendRunner({ id });
          case "resume":
            return api.runners.resumeRunner({ id });
          case "rm":
            return api.runners.deleteRunner({ id });
          default: {
            const unknown: never = verb;
            throw new Error(`unknown action ${String(unknown)}`);
          }
        }
      });
      if (runner === undefined) continue;
      done.push(runner);
      if (!json) {
        shown.done();
        io.stdout.write(`${bulkPast[verb]} ${runner.name} (${runner.id}): ${runner.status}\n`);
      }
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      failures.push(error);
      shown.done();
      io.stderr.write(`hangar: ${ref}: ${error.message}\n`);
    }
  }
  shown.done();
  if (json)
    printJson(
      io,
      done.map((r) => messageJson(RunnerSchema, r)),
    );
  const [first] = failures;
  if (first !== undefined) {
    throw new CliError(
      refs.length === 1 ? first.message : `${failures.length} of ${refs.length} failed`,
      first.exitCode,
      first.hint,
    );
  }
}

export function runnersCommand(io: Io): Command {
  const group = new Command("runners").description(
    "runner configurations: pools of ephemeral runners",
  );
  addPaging(
    group
      .command("ls")
      .description("list the workspace's runners with their fleets right now")
      .option("--status <status>", "only runners in this status (active, suspended, deleting, …)")
      .option("--project <id>", "only the runners of this project"),
  ).action(
    async (
      options: { status?: string; project?: string; limit: number; all?: boolean },
      command: Command,
    ) => {
      const api = apiFor(io, command);
      const workspace = await workspaceId(api);
      const { items, more } = await api.call(() =>
        collect(
          async (pageSize, pageToken) => {
            const page = await api.runners.listRunners({
              workspaceId: workspace,
              status: options.status ?? "",
              projectId: options.project ?? "",
              pageSize,
              pageToken,
            });
            return { items: page.runners, nextPageToken: page.nextPageToken };
          },
          { limit: options.limit, all: options.all === true },
        ),
      );
      printListing(io, command, {
        schema: RunnerSchema,
        items,
        more,
        columns: [
          "name",
          "status",
          "size",
          "offering/image",
          "labels",
          "idle/max",
          "busy",
          "idle",
          "id",
        ],
        row: (r) => [
          r.name,
          r.status,
          size(r),
          r.isCustom ? r.image : r.runnerOfferingId,
          list(r.labels),
          `${r.minIdle}/${r.maxRunners}`,
          r.fleet ? String(r.fleet.busy) : NONE,
          r.fleet ? String(r.fleet.idle) : NONE,
          r.id,
        ],
        empty: "No runner. Create one with `hangar runners create <name> --offering <id>`.",
      });
    },
  );
  group
    .command("show")
    .description("show one runner configuration and its fleet")
    .argument("<runner>", "id or name")
    .action(async (ref: string, _options: unknown, command: Command) => {
      const api = apiFor(io, command);
      const id = await runnerId(api, ref);
      const { runner } = await api.call(() => api.runners.getRunner({ id }));
      printRunner(io, runner, globalOptions(command).json);
    });
  runnerSpecOptions(
    group
      .command("create")
      .description("create a runner configuration from an offering or a custom image")
      .argument("<name>", "its name, unique in the workspace")
      .option("--project <id>", "its project (default: the workspace's default project)")
      .option("--installation <id>", "the GitHub App installation whose jobs it takes"),
    "create",
  ).action(
    async (
      name: string,
      options: RunnerSpecOptions & { project?: string; installation?: string },
      command: Command,
    ) => {
      const api = apiFor(io, command);
      const workspace = await workspaceId(api);
      if (options.offering === undefined && options.image === undefined) {
        throw new CliError(
          "say what it runs: --offering <id>, or --image with --cpu and --memory",
          ExitCode.usage,
          "`hangar offerings ls` lists the offerings",
        );
      }
      const spec =
        options.offering !== undefined
          ? { case: "runnerOfferingId" as const, value: options.offering }
          : {
              case: "custom" as const,
              value: {
                image: options.image ?? "",
                cpu: options.cpu ?? "",
                memory: options.memory ?? "",
                registryCredentialId: options.registryCredential ?? "",
              },
            };
      const { runner } = await api.call(() =>
        api.runners.createRunner({
          workspaceId: workspace,
          projectId: options.project ?? "",
          name,
          spec,
          labels: options.label ?? [],
          repositories: options.repository ?? [],
          ...(options.minIdle === undefined ? {} : { minIdle: options.minIdle }),
          ...(options.max === undefined ? {} : { maxRunners: options.max }),
          ...(options.prewarmMaxIdle === undefined
            ? {}
            : { prewarmMaxIdle: options.prewarmMaxIdle }),
          ...(options.installation === undefined
            ? {}
            : { installationId: BigInt(integer("--installation", 1)(options.installation)) }),
        }),
      );
      printRunner(io, runner, globalOptions(command).json);
    },
  );
  runnerSpecOptions(
    group
      .command("update")
      .description("change a runner configuration: only what the flags name")
      .argument("<runner>", "id or name"),
    "update",
  ).action(async (ref: string, options: RunnerSpecOptions, command: Command) => {
    const api = apiFor(io, command);
    const id = await runnerId(api, ref);
    const { runner: fields, updateMask } = updateFromOptions(options);
    if (updateMask.length === 0) {
      throw new CliError(
        "nothing to change: name at least one field flag",
        ExitCode.usage,
        "`hangar runners update --help` lists them",
      );
    }
    const { runner } = await api.call(() =>
      api.runners.updateRunner({ runner: { ...fields, id }, updateMask }),
    );
    printRunner(io, runner, globalOptions(command).json);
  });
  const verbs: [BulkVerb, string][] = [
    ["suspend", "stop starting runners for these configurations (running jobs finish)"],
    ["resume", "start serving jobs again"],
    ["rm", "delete these configurations: their pools drain and stop"],
  ];
  for (const [verb, description] of verbs) {
    group
      .command(verb)
      .description(description)
      .argument("<runners...>", "ids or names; several make a bulk action")
      .action((refs: string[], _options: unknown, command: Command) =>
        bulk(io, command, verb, refs),
      );
  }
  return group;
}
