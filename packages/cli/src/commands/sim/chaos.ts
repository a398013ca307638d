import type { ChaosOptions } from "@hangar/github-sim";
import { Command } from "commander";
import { CliError, ExitCode } from "../../exit-codes.js";
import type { Io } from "../../io.js";
import { printJson } from "../../output/json.js";
import { parseDuration, parseProbability, parseSeed } from "./parse.js";
import { jsonWanted, simulatorFor, withSimUrl } from "./target.js";

/** What the chaos settings do, in a line. */
export function describeChaos(options: ChaosOptions): string {
  const parts = [
    options.duplicate ? `duplicate ${Math.round(options.duplicate * 1000) / 10}%` : undefined,
    options.drop ? `drop ${Math.round(options.drop * 1000) / 10}%` : undefined,
    options.reorder ? "reorder" : undefined,
    options.delayMs ? `delay ${options.delayMs}ms` : undefined,
  ].filter((part) => part !== undefined);
  if (parts.length === 0) return "chaos off: every delivery is sent once, in order, at once";
  return `chaos on: ${parts.join(", ")}${options.seed === undefined ? "" : ` (seed ${options.seed})`}`;
}

export function chaosCommand(io: Io): Command {
  return withSimUrl(new Command("chaos"))
    .description("make webhook deliveries unreliable, as GitHub's sometimes are; --off to stop")
    .option("--duplicate <p>", "probability that a delivery is sent twice (0.2 or 20%)", (v) =>
      parseProbability(v, "--duplicate"),
    )
    .option("--drop <p>", "probability that a delivery is not sent (redeliverable)", (v) =>
      parseProbability(v, "--drop"),
    )
    .option("--reorder", "send each delivery after the next one")
    .option("--delay <duration>", "wait this long before each delivery (200ms, 2s)", (v) =>
      parseDuration(v, "--delay"),
    )
    .option("--seed <n>", "the same seed gives the same duplicates and drops", parseSeed)
    .option("--off", "no chaos: every delivery once, in order, at once")
    .option("--json", "print the settings as JSON")
    .action(
      async (
        options: {
          duplicate?: number;
          drop?: number;
          reorder?: boolean;
          delay?: number;
          seed?: number;
          off?: boolean;
        },
        command: Command,
      ) => {
        const settings: ChaosOptions = {
          ...(options.duplicate === undefined ? {} : { duplicate: options.duplicate }),
          ...(options.drop === undefined ? {} : { drop: options.drop }),
          ...(options.reorder ? { reorder: true } : {}),
          ...(options.delay === undefined ? {} : { delayMs: options.delay }),
          ...(options.seed === undefined ? {} : { seed: options.seed }),
        };
        if (options.off === true && Object.keys(settings).length > 0) {
          throw new CliError("--off takes no other chaos option", ExitCode.usage);
        }
        if (options.off !== true && Object.keys(settings).length === 0) {
          throw new CliError(
            "say what chaos: --duplicate, --drop, --reorder or --delay (or --off)",
            ExitCode.usage,
          );
        }
        await simulatorFor(io, command).setChaos(settings);
        if (jsonWanted(command)) printJson(io, settings);
        else io.stdout.write(`${describeChaos(settings)}\n`);
      },
    );
}
