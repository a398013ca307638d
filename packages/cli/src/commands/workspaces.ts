import { Command } from "commander";
import {
  ProjectSchema,
  WorkspaceSchema,
  type Workspace,
} from "@hangar/api/workspace_service_pb.js";
import { collect } from "../client/api.js";
import { listAllWorkspaces, workspaceId } from "../client/workspace.js";
import type { Io } from "../io.js";
import { formatTime, NONE } from "../output/format.js";
import { messageJson, printJson } from "../output/json.js";
import { printFields, printTable } from "../output/table.js";
import { addPaging, apiFor, globalOptions, integer, printListing } from "./context.js";

function limits(w: Workspace): string {
  const parts = [
    w.maxRunners ? `${w.maxRunners} runners` : "",
    w.maxCpuMillis ? `${w.maxCpuMillis / 1000} cpu` : "",
    w.maxMemoryMib ? `${w.maxMemoryMib}Mi` : "",
    w.maxGpus ? `${w.maxGpus} gpu` : "",
  ].filter((part) => part !== "");
  return parts.length === 0 ? NONE : parts.join(", ");
}

function showWorkspace(io: Io, w: Workspace, json: boolean | undefined): void {
  if (json) {
    printJson(io, messageJson(WorkspaceSchema, w));
    return;
  }
  printFields(io, [
    ["ID", w.id],
    ["Slug", w.slug],
    ["Name", w.name],
    ["Namespace", w.namespace],
    ["Plan", w.plan || NONE],
    ["Limits", limits(w)],
    ["Your role", w.callerRole || NONE],
    ["Created", formatTime(w.createTime)],
  ]);
}

export function workspacesCommand(io: Io): Command {
  const group = new Command("workspaces").alias("ws").description("the workspaces a token sees");
  group
    .command("ls")
    .description("list the workspaces this token sees, with its role in each")
    .action(async (_options: unknown, command: Command) => {
      const api = apiFor(io, command);
      const workspaces = await listAllWorkspaces(api);
      if (globalOptions(command).json) {
        printJson(
          io,
          workspaces.map((w) => messageJson(WorkspaceSchema, w)),
        );
        return;
      }
      printTable(
        io,
        ["slug", "name", "role", "namespace", "limits", "id"],
        workspaces.map((w) => [w.slug, w.name, w.callerRole, w.namespace, limits(w), w.id]),
        "No workspace.",
      );
    });
  group
    .command("show")
    .description("show one workspace (default: --workspace)")
    .argument("[workspace]", "id or slug")
    .action(async (named: string | undefined, _options: unknown, command: Command) => {
      const api = apiFor(io, command);
      const id = await workspaceId(api, named ?? api.settings.workspace);
      const { workspace } = await api.call(() => api.workspaces.getWorkspace({ id }));
      if (workspace) showWorkspace(io, workspace, globalOptions(command).json);
    });
  group
    .command("create")
    .description("create a workspace with its default project (platform administrators)")
    .argument("<slug>", "short name, used in its namespace")
    .option("--name <name>", "display name (default: the slug)")
    .option("--max-runners <n>", "runners at once", integer("--max-runners", 1))
    .option(
      "--max-cpu-millis <n>",
      "CPU of all its runners, in millicores",
      integer("--max-cpu-millis", 1),
    )
    .option(
      "--max-memory-mib <n>",
      "memory of all its runners, in MiB",
      integer("--max-memory-mib", 1),
    )
    .option("--max-gpus <n>", "GPUs of all its runners", integer("--max-gpus", 0))
    .action(
      async (
        slug: string,
        options: {
          name?: string;
          maxRunners?: number;
          maxCpuMillis?: number;
          maxMemoryMib?: number;
          maxGpus?: number;
        },
        command: Command,
      ) => {
        const api = apiFor(io, command);
        const { workspace } = await api.call(() =>
          api.workspaces.createWorkspace({
            slug,
            name: options.name ?? slug,
            ...(options.maxRunners === undefined ? {} : { maxRunners: options.maxRunners }),
            ...(options.maxCpuMillis === undefined ? {} : { maxCpuMillis: options.maxCpuMillis }),
            ...(options.maxMemoryMib === undefined ? {} : { maxMemoryMib: options.maxMemoryMib }),
            ...(options.maxGpus === undefined ? {} : { maxGpus: options.maxGpus }),
          }),
        );
        if (workspace) showWorkspace(io, workspace, globalOptions(command).json);
      },
    );
  return group;
}

export function projectsCommand(io: Io): Command {
  const group = new Command("projects").description("the projects of a workspace");
  addPaging(group.command("ls").description("list the workspace's projects")).action(
    async (options: { limit: number; all?: boolean }, command: Command) => {
      const api = apiFor(io, command);
      const workspace = await workspaceId(api);
      const { items, more } = await api.call(() =>
        collect(
          async (pageSize, pageToken) => {
            const page = await api.workspaces.listProjects({
              workspaceId: workspace,
              pageSize,
              pageToken,
            });
            return { items: page.projects, nextPageToken: page.nextPageToken };
          },
          { limit: options.limit, all: options.all === true },
        ),
      );
      printListing(io, command, {
        schema: ProjectSchema,
        items,
        more,
        columns: ["name", "default", "created", "id"],
        row: (p) => [p.name, p.isDefault ? "yes" : "", formatTime(p.createTime), p.id],
        empty: "No project.",
      });
    },
  );
  return group;
}
