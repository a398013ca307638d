import { z } from "zod";
import { integer, oneOf, port } from "./parsers.js";
import type { Config } from "./types.js";

// The built-in GitHub simulator of the dev role, and the demo traffic it plays.

export const demoWorkloads = ["off", "steady"] as const;

export function demoSection() {
  return z
    .object({
      HANGAR_SIMULATOR_PORT: port,
      HANGAR_DEMO_WORKLOAD: oneOf(demoWorkloads),
      HANGAR_DEMO_RUNS_PER_MINUTE: integer({ min: 1, max: 600 }),
    })
    .transform((env): Config["demo"] => ({
      simulatorPort: env.HANGAR_SIMULATOR_PORT,
      workload:
        env.HANGAR_DEMO_WORKLOAD === "off"
          ? { mode: "off" }
          : { mode: "steady", runsPerMinute: env.HANGAR_DEMO_RUNS_PER_MINUTE },
    }));
}
