import type { CommandFactory } from "../program.js";
import { adminCommand } from "./admin.js";
import { installationsCommand, offeringsCommand } from "./installations.js";
import { jobsCommand } from "./jobs.js";
import { loginCommand, logoutCommand, whoamiCommand } from "./login.js";
import { metricsCommand } from "./metrics.js";
import { runnersCommand } from "./runners.js";
import { migrateCommand, roleCommand, startCommand } from "./server.js";
import { membersCommand, tokensCommand } from "./tokens.js";
import { usageCommand } from "./usage.js";
import { projectsCommand, workspacesCommand } from "./workspaces.js";

/** Every command group but those registered in main.ts, in the order `--help` lists them. */
export const coreCommands: readonly CommandFactory[] = [
  startCommand,
  migrateCommand,
  adminCommand,
  roleCommand("intake"),
  roleCommand("api"),
  roleCommand("worker"),
  loginCommand,
  logoutCommand,
  whoamiCommand,
  workspacesCommand,
  projectsCommand,
  runnersCommand,
  jobsCommand,
  metricsCommand,
  usageCommand,
  tokensCommand,
  membersCommand,
  installationsCommand,
  offeringsCommand,
];
