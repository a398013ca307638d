import type { InstallationView, JobView, RunnerView } from "@hangar/github-sim";
import { Command } from "commander";
import type { Io } from "../../io.js";
import { list } from "../../output/format.js";
import { printJson } from "../../output/json.js";
import { printFields, printTable } from "../../output/table.js";
import { jsonWanted, simulatorFor, withSimUrl } from "./target.js";

export interface SimStatus {
  installations: {
    id: number;
    account: string;
    type: string;
    suspended: boolean;
    repositories: string[];
  }[];
  jobs: Record<JobView["status"], number>;
  runners: { total: number; online: number; busy: number };
}

/** The simulator's state in a few numbers: what `hangar sim status` shows. */
export function simStatus(
  installations: readonly InstallationView[],
  jobs: readonly JobView[],
  runners: readonly RunnerView[],
): SimStatus {
  const byStatus: SimStatus["jobs"] = { queued: 0, waiting: 0, in_progress: 0, completed: 0 };
  for (const job of jobs) byStatus[job.status] += 1;
  return {
    installations: installations.map((i) => ({
      id: i.id,
      account: i.account.login,
      type: i.account.type,
      suspended: i.suspendedAt !== null,
      repositories: i.repositories.map((r) => r.fullName),
    })),
    jobs: byStatus,
    runners: {
      total: runners.length,
      online: runners.filter((r) => r.status === "online").length,
      busy: runners.filter((r) => r.busy).length,
    },
  };
}

export function statusCommand(io: Io): Command {
  return withSimUrl(new Command("status"))
    .description("installations, jobs by status and runners online and busy")
    .option("--json", "print the status as JSON")
    .action(async (_options: unknown, command: Command) => {
      const control = simulatorFor(io, command);
      const installations = await control.installations();
      const jobs = await control.jobs();
      // Runners belong to accounts; one account may have installed the App more than once.
      const accounts = [...new Set(installations.map((i) => i.account.login))];
      const runners = (await Promise.all(accounts.map((login) => control.runners(login)))).flat();
      const status = simStatus(installations, jobs, runners);
      if (jsonWanted(command)) {
        printJson(io, status);
        return;
      }
      printTable(
        io,
        ["installation", "account", "type", "state", "repositories"],
        status.installations.map((i) => [
          String(i.id),
          i.account,
          i.type,
          i.suspended ? "suspended" : "active",
          list(i.repositories),
        ]),
        "no installations (create one with `hangar sim install`)",
        { maxCellWidth: 60 },
      );
      io.stdout.write("\n");
      printFields(io, [
        [
          "jobs",
          `${status.jobs.queued} queued, ${status.jobs.waiting} waiting, ${status.jobs.in_progress} in progress, ${status.jobs.completed} completed`,
        ],
        [
          "runners",
          `${status.runners.online} online (${status.runners.busy} busy), ${status.runners.total - status.runners.online} offline`,
        ],
      ]);
    });
}
