import {
  createSimulatorClient,
  SimulatorControlError,
  type SimulatorControl,
} from "@hangar/github-sim";
import { configVariables } from "@hangar/server/config/variables.js";
import type { Command } from "commander";
import { CliError, ExitCode } from "../../exit-codes.js";
import type { Io } from "../../io.js";
import { shiftedPorts } from "../start-ports.js";

/**
 * Where `hangar start` serves its simulator: HANGAR_SIMULATOR_PORT, or its default moved
 * by HANGAR_PORT_OFFSET exactly as `hangar start` moves it. Always loopback.
 */
export function defaultSimulatorUrl(env: NodeJS.ProcessEnv): string {
  const fallback = configVariables.find((v) => v.name === "HANGAR_SIMULATOR_PORT")?.default;
  const port =
    env["HANGAR_SIMULATOR_PORT"] || shiftedPorts(env)["HANGAR_SIMULATOR_PORT"] || fallback;
  return `http://127.0.0.1:${port ?? ""}`;
}

export interface SimTargetOptions {
  simUrl?: string;
  json?: boolean;
}

/** Adds the flags every `hangar sim` command takes. */
export function withSimUrl(command: Command): Command {
  return command.option(
    "--sim-url <url>",
    "the simulator's base URL (default: $HANGAR_SIM_URL, else the one `hangar start` runs)",
  );
}

export function simUrlOf(io: Io, command: Command): string {
  const options = command.optsWithGlobals<SimTargetOptions>();
  return options.simUrl ?? (io.env["HANGAR_SIM_URL"] || defaultSimulatorUrl(io.env));
}

export function jsonWanted(command: Command): boolean {
  return command.optsWithGlobals<SimTargetOptions>().json === true;
}

/**
 * The control API, with its failures turned into errors a person can act on: an
 * unreachable simulator, or one that refused the request (its message says why).
 */
export function simulatorFor(io: Io, command: Command): SimulatorControl {
  const url = simUrlOf(io, command);
  const control = createSimulatorClient(url);
  const guarded: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, method] of Object.entries(control) as [
    string,
    (...args: unknown[]) => Promise<unknown>,
  ][]) {
    guarded[name] = async (...args) => {
      try {
        return await method(...args);
      } catch (error) {
        throw explain(error, url);
      }
    };
  }
  // Same operations, same results: only the errors are reworded.
  return guarded as unknown as SimulatorControl;
}

function explain(error: unknown, url: string): unknown {
  if (error instanceof SimulatorControlError) {
    const code =
      error.status === 404
        ? ExitCode.notFound
        : error.status === 400
          ? ExitCode.usage
          : ExitCode.failure;
    const reason = error.message.slice(`${error.operation}: `.length);
    return new CliError(`the simulator refused ${error.operation}: ${reason}`, code);
  }
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) {
    return new CliError(
      `no GitHub simulator answers at ${url}`,
      ExitCode.unavailable,
      "start one with `npm start` (with no GitHub App configured), or pass --sim-url",
    );
  }
  return error;
}
