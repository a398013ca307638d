import type { Simulator } from "@hangar/github-sim";
import type { GitHubApp } from "../src/github/types.js";

// Test-only: stands in for runner provisioning, which is not built yet. The simulator's
// JIT runners are ephemeral (removed after one job), so the fleet keeps `size` idle
// runners online, registering each through the GitHub client as Hangar will.

export interface RunnerFleet {
  /** Runners registered so far. */
  registered(): number;
  /** Stops topping up; rejects if a registration failed. */
  stop(): Promise<void>;
}

export function startRunnerFleet(input: {
  sim: Simulator;
  github: GitHubApp;
  size: number;
  label: string;
  installationId: number;
  /** The organisation the runners are registered in. */
  owner: string;
}): RunnerFleet {
  const { sim, size, label, owner } = input;
  const client = input.github.installation(input.installationId);
  let stopped = false;
  // A call, not a variable: TypeScript would narrow a variable across the awaits.
  const running = () => !stopped;
  let count = 0;

  const loop = async (): Promise<void> => {
    while (running()) {
      const idle = (await sim.control.runners(owner)).filter(
        (r) => r.status === "online" && !r.busy,
      ).length;
      for (let i = idle; i < size && running(); i += 1) {
        count += 1;
        const name = `e2e-${process.pid}-${count}`;
        await client.generateJitConfig({
          scope: { org: owner },
          name,
          runnerGroup: { id: 1 },
          labels: [label],
          onConflict: "replace",
        });
        await sim.control.connectRunner(name);
      }
      // The simulator assigns jobs on its own 200 ms tick; checking faster gains nothing.
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  // Caught here so a failure surfaces at stop() rather than as an unhandled rejection.
  const done = loop().then(
    () => undefined,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );

  return {
    registered: () => count,
    async stop() {
      stopped = true;
      const error = await done;
      if (error !== undefined) throw error;
    },
  };
}
