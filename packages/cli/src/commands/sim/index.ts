import { Command } from "commander";
import { processIo, type Io } from "../../io.js";
import { chaosCommand } from "./chaos.js";
import { runCommand } from "./run.js";
import { installCommand, pushCommand } from "./setup.js";
import { statusCommand } from "./status.js";

/**
 * `hangar sim`: drives a GitHub simulator (the one `hangar start` runs without a GitHub
 * App, or any other) over its control API, for demos and capacity tests.
 */
export function simCommand(io: Io = processIo()): Command {
  const group = new Command("sim")
    .description("drive the GitHub simulator: installations, workflow files, runs of jobs, chaos")
    .addHelpText(
      "after",
      `
The simulator is the one \`hangar start\` runs when no GitHub App is configured
(127.0.0.1, HANGAR_SIMULATOR_PORT), unless --sim-url or HANGAR_SIM_URL says otherwise.`,
    )
    // Settings given to this command after its subcommands were made (exitOverride,
    // configureOutput) reach them too: commander copies settings only on creation.
    .hook("preSubcommand", (parent, sub) => {
      sub.copyInheritedSettings(parent);
    });
  for (const sub of [installCommand, pushCommand, runCommand, chaosCommand, statusCommand]) {
    group.addCommand(sub(io));
  }
  return group;
}
