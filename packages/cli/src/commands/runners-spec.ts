import type { Command } from "commander";
import type { Runner } from "@hangar/api/runner_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { RunnerSchema } from "@hangar/api/runner_pb.js";
import { collectList, integer } from "./context.js";

export interface RunnerSpecOptions {
  offering?: string;
  image?: string;
  cpu?: string;
  memory?: string;
  registryCredential?: string;
  label?: string[];
  repository?: string[];
  minIdle?: number;
  max?: number;
  prewarmMaxIdle?: number;
}

/** The flags `runners create` and `runners update` share. */
export function runnerSpecOptions(command: Command, mode: "create" | "update"): Command {
  if (mode === "create") command.option("--offering <id>", "run the offering's image and size");
  return command
    .option("--image <ref>", "a custom runner image (with --cpu and --memory)")
    .option("--cpu <cpu>", "CPU of each runner (custom image), e.g. 2 or 500m")
    .option("--memory <memory>", "memory of each runner (custom image), e.g. 4Gi")
    .option("--registry-credential <id>", "pull the custom image with this credential")
    .option(
      "--label <labels>",
      "runs-on labels it answers (repeatable, comma-separated)",
      collectList,
    )
    .option(
      "--repository <names>",
      "only jobs of these repositories, owner/name (repeatable)",
      collectList,
    )
    .option("--min-idle <n>", "idle runners kept waiting", integer("--min-idle", 0))
    .option("--max <n>", "runners at most", integer("--max", 1))
    .option(
      "--prewarm-max-idle <n>",
      "extra idle runners for the jobs its workflow files define",
      integer("--prewarm-max-idle", 1),
    );
}

/** The fields the flags set, and the update mask naming exactly them. */
export function updateFromOptions(options: RunnerSpecOptions): {
  runner: MessageInitShape<typeof RunnerSchema>;
  updateMask: string[];
} {
  const runner: Partial<Runner> = {};
  const updateMask: string[] = [];
  const set = <K extends keyof Runner>(
    mask: string,
    key: K,
    value: Runner[K] | undefined,
  ): void => {
    if (value === undefined) return;
    runner[key] = value;
    updateMask.push(mask);
  };
  set("image", "image", options.image);
  set("cpu", "cpu", options.cpu);
  set("memory", "memory", options.memory);
  set("registry_credential_id", "registryCredentialId", options.registryCredential);
  set("labels", "labels", options.label);
  set("repositories", "repositories", options.repository);
  set("min_idle", "minIdle", options.minIdle);
  set("max_runners", "maxRunners", options.max);
  set("prewarm_max_idle", "prewarmMaxIdle", options.prewarmMaxIdle);
  return { runner: runner as MessageInitShape<typeof RunnerSchema>, updateMask };
}
