import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { CliError, ExitCode } from "../../exit-codes.js";
import type { Io } from "../../io.js";
import { printJson } from "../../output/json.js";
import { collectList } from "../context.js";
import { collectLabelSets, parseRepository } from "./parse.js";
import { jsonWanted, simulatorFor, withSimUrl } from "./target.js";

export function installCommand(io: Io): Command {
  return withSimUrl(new Command("install"))
    .description("install the App on an organisation (or a user, --user) with some repositories")
    .requiredOption("--org <login>", "the account that installs the App")
    .requiredOption(
      "--repos <names>",
      "its repositories, comma-separated (repeatable)",
      collectList,
    )
    .option("--user", "the account is a user, not an organisation")
    .option("--json", "print the installation as JSON")
    .action(async (options: { org: string; repos: string[]; user?: boolean }, command: Command) => {
      if (options.repos.length === 0) {
        throw new CliError("--repos needs at least one repository name", ExitCode.usage);
      }
      const control = simulatorFor(io, command);
      const created = await control.createInstallation({
        account: { login: options.org, type: options.user ? "User" : "Organization" },
        repositories: options.repos,
      });
      if (jsonWanted(command)) printJson(io, created);
      else io.stdout.write(`${created.installationId}\n`);
    });
}

/** A workflow with one job per label set, so its `runs-on` labels are what Hangar syncs. */
export function generatedWorkflow(labelSets: readonly (readonly string[])[]): string {
  const jobs = labelSets.map((labels, i) => {
    const runsOn = labels.length === 1 ? (labels[0] ?? "") : `[${labels.join(", ")}]`;
    const name = labelSets.length === 1 ? "build" : `build-${i + 1}`;
    return `  ${name}:\n    runs-on: ${runsOn}\n    steps:\n      - run: make\n`;
  });
  return `name: ci\non: [push]\njobs:\n${jobs.join("")}`;
}

export function pushCommand(io: Io): Command {
  return withSimUrl(new Command("push"))
    .description(
      "push a workflow file to a repository (emits push; Hangar reads its runs-on labels)",
    )
    .requiredOption("--repo <owner/name>", "the repository", (value) => parseRepository(value))
    .option("--file <path>", "the path in the repository", ".github/workflows/ci.yml")
    .option("--from <local-file>", "the workflow's content, from this file")
    .option(
      "--labels <a,b>",
      "generate a workflow with a job whose runs-on is these labels (repeatable: one job each)",
      collectLabelSets,
    )
    .option("--branch <name>", "the branch pushed to (default: the repository's default)")
    .option("--json", "print the commit as JSON")
    .action(
      async (
        options: {
          repo: string;
          file: string;
          from?: string;
          labels?: { labels: string[] }[];
          branch?: string;
        },
        command: Command,
      ) => {
        if ((options.from === undefined) === (options.labels === undefined)) {
          throw new CliError(
            "give exactly one of --from <local-file> and --labels",
            ExitCode.usage,
          );
        }
        const content =
          options.from !== undefined
            ? await readLocal(options.from)
            : generatedWorkflow((options.labels ?? []).map((set) => set.labels));
        const control = simulatorFor(io, command);
        const { sha } = await control.pushWorkflowFile({
          repository: options.repo,
          path: options.file,
          content,
          ...(options.branch === undefined ? {} : { branch: options.branch }),
        });
        if (jsonWanted(command))
          printJson(io, { repository: options.repo, path: options.file, sha });
        else io.stdout.write(`${sha}\n`);
      },
    );
}

async function readLocal(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    const code = error instanceof Error && "code" in error ? String(error.code) : "unreadable";
    throw new CliError(`cannot read ${path} (${code})`, ExitCode.usage);
  }
}
