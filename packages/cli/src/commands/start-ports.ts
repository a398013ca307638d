import { configVariables } from "@hangar/server/config/variables.js";

// HANGAR_PORT_OFFSET moves every local service `npm start` runs (see @hangar/devenv), so
// two checkouts can run side by side. Hangar's own listeners move with them, unless set
// explicitly; otherwise both would still want the intake's 8080.

const listeners = [
  "HANGAR_INTAKE_PORT",
  "HANGAR_API_PORT",
  "HANGAR_METRICS_PORT",
  "HANGAR_SIMULATOR_PORT",
] as const;

const MAX_OFFSET = 4000;

export class PortOffsetError extends Error {
  override name = "PortOffsetError";
}

/** The offset as @hangar/devenv reads it: whole numbers from 0 to 4000. */
export function portOffset(env: NodeJS.ProcessEnv): number {
  const raw = env["HANGAR_PORT_OFFSET"] ?? "";
  if (raw === "") return 0;
  if (!/^\d+$/.test(raw) || Number(raw) > MAX_OFFSET) {
    throw new PortOffsetError(
      `HANGAR_PORT_OFFSET must be an integer from 0 to ${MAX_OFFSET}, not "${raw}"`,
    );
  }
  return Number(raw);
}

/** Each listener port that is not set, as its default plus the offset. */
export function shiftedPorts(env: NodeJS.ProcessEnv): Record<string, string> {
  const offset = portOffset(env);
  if (offset === 0) return {};
  const shifted: Record<string, string> = {};
  for (const name of listeners) {
    if (env[name]) continue;
    const fallback = configVariables.find((variable) => variable.name === name)?.default;
    if (fallback === undefined) continue;
    shifted[name] = String(Number(fallback) + offset);
  }
  return shifted;
}
