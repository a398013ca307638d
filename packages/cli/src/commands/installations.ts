import { Command } from "commander";
import {
  InstallationRepositorySchema,
  type InstallationRepository,
} from "@hangar/api/installation_service_pb.js";
import { RunnerInstallationSchema } from "@hangar/api/installation_pb.js";
import { RunnerOfferingSchema } from "@hangar/api/offering_pb.js";
import { collect } from "../client/api.js";
import { workspaceId } from "../client/workspace.js";
import type { Io } from "../io.js";
import { formatTime, NONE } from "../output/format.js";
import { messageJson, printJson } from "../output/json.js";
import { printTable } from "../output/table.js";
import { apiFor, globalOptions } from "./context.js";

function labelSets(repository: InstallationRepository): string {
  if (repository.runsOn.length === 0) return NONE;
  return repository.runsOn.map((set) => `[${set.labels.join(",")}]`).join(" ");
}

export function installationsCommand(io: Io): Command {
  const group = new Command("installations").description(
    "GitHub App installations linked to the workspace",
  );
  group
    .command("ls")
    .description(
      "list installations with their repositories and the runs-on labels their workflow files ask for",
    )
    .action(async (_options: unknown, command: Command) => {
      const api = apiFor(io, command);
      const workspace = await workspaceId(api);
      const all = { limit: 0, all: true };
      const installations = await api.call(() =>
        collect(async (pageSize, pageToken) => {
          const page = await api.installations.listInstallations({
            workspaceId: workspace,
            pageSize,
            pageToken,
          });
          return { items: page.installations, nextPageToken: page.nextPageToken };
        }, all),
      );
      // Each installation's repositories at once: one round trip's wait, not one each.
      const withRepositories = await Promise.all(
        installations.items.map(async (installation) => {
          const repositories = await api.call(() =>
            collect(async (pageSize, pageToken) => {
              const page = await api.installations.listInstallationRepositories({
                installationId: installation.installationId,
                pageSize,
                pageToken,
              });
              return { items: page.repositories, nextPageToken: page.nextPageToken };
            }, all),
          );
          return { installation, repositories: repositories.items };
        }),
      );
      if (globalOptions(command).json) {
        printJson(
          io,
          withRepositories.map(({ installation, repositories }) => ({
            installation: messageJson(RunnerInstallationSchema, installation),
            repositories: repositories.map((r) => messageJson(InstallationRepositorySchema, r)),
          })),
        );
        return;
      }
      printTable(
        io,
        ["installation", "account", "type", "state", "service", "repositories", "since"],
        withRepositories.map(({ installation: i, repositories }) => [
          String(i.installationId),
          i.accountLogin,
          i.githubAccountType,
          i.state,
          i.isServiceEnabled ? "on" : "off",
          `${repositories.length} (${i.repositorySelection || "?"})`,
          formatTime(i.createTime),
        ]),
        "No installation is linked to this workspace.",
      );
      const rows = withRepositories.flatMap(({ installation, repositories }) =>
        repositories.map((r) => [
          String(installation.installationId),
          r.fullName,
          r.private ? "private" : "public",
          labelSets(r),
        ]),
      );
      if (rows.length > 0) {
        io.stdout.write("\n");
        printTable(
          io,
          ["installation", "repository", "visibility", "runs-on label sets"],
          rows,
          "",
          { maxCellWidth: 80 },
        );
      }
    });
  return group;
}

export function offeringsCommand(io: Io): Command {
  const group = new Command("offerings").description(
    "the runner catalog: sizes, images and prices",
  );
  group
    .command("ls")
    .description("list the offerings runners can be made from")
    .option("--include-retired", "also the retired ones")
    .action(async (options: { includeRetired?: boolean }, command: Command) => {
      const api = apiFor(io, command);
      const { offerings } = await api.call(() =>
        api.offerings.listOfferings({ includeRetired: options.includeRetired === true }),
      );
      if (globalOptions(command).json) {
        printJson(
          io,
          offerings.map((o) => messageJson(RunnerOfferingSchema, o)),
        );
        return;
      }
      printTable(
        io,
        ["id", "label", "cpu", "memory", "gpu", "arch", "spot", "price/min", "image"],
        offerings.map((o) => [
          o.retired ? `${o.id} (retired)` : o.id,
          o.name,
          o.cpu,
          o.memory,
          o.gpuCount ? `${o.gpuCount} ${o.gpuType}`.trim() : NONE,
          o.arch || NONE,
          o.spot ? "yes" : "",
          `${o.pricePerMinute} ${o.currency}`,
          `${o.imageRepository}:${o.imageTag}`,
        ]),
        "No offering.",
        { maxCellWidth: 60 },
      );
    });
  return group;
}
