import { z } from "zod";
import { integer, requiredOutsideDev, rsaPrivateKeyPem, secret, url } from "./parsers.js";
import type { GitHubConfig, Role } from "./types.js";

const appVariables = [
  "HANGAR_GITHUB_APP_ID",
  "HANGAR_GITHUB_PRIVATE_KEY",
  "HANGAR_GITHUB_WEBHOOK_SECRET",
] as const;

/**
 * Outside dev the App is required. In dev, no App settings at all means "run
 * the built-in simulator"; some but not all is a mistake worth stopping for,
 * because silently falling back to the simulator would look like GitHub
 * never sends anything.
 */
export function githubSection(role: Role | undefined) {
  const required = requiredOutsideDev(role);
  const app = <T>(schema: z.ZodType<T, string>) =>
    role === "dev" ? schema.optional() : required(schema);

  return z
    .object({
      HANGAR_GITHUB_API_URL: url(["https", "http"]),
      HANGAR_GITHUB_APP_ID: app(integer({ min: 1, max: Number.MAX_SAFE_INTEGER })),
      HANGAR_GITHUB_PRIVATE_KEY: app(secret(rsaPrivateKeyPem)),
      HANGAR_GITHUB_WEBHOOK_SECRET: app(secret()),
      HANGAR_GITHUB_WEBHOOK_SECRET_PREVIOUS: secret().optional(),
    })
    .transform((env, ctx): GitHubConfig => {
      const appId = env.HANGAR_GITHUB_APP_ID;
      const privateKey = env.HANGAR_GITHUB_PRIVATE_KEY;
      const webhookSecret = env.HANGAR_GITHUB_WEBHOOK_SECRET;
      if (appId !== undefined && privateKey !== undefined && webhookSecret !== undefined) {
        return {
          mode: "app",
          apiUrl: env.HANGAR_GITHUB_API_URL,
          appId,
          privateKey,
          webhookSecret,
          previousWebhookSecret: env.HANGAR_GITHUB_WEBHOOK_SECRET_PREVIOUS,
        };
      }
      const given = [...appVariables, "HANGAR_GITHUB_WEBHOOK_SECRET_PREVIOUS" as const].filter(
        (name) => env[name] !== undefined,
      );
      if (given.length === 0) return { mode: "simulator" };
      for (const name of appVariables.filter((n) => env[n] === undefined)) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `required because ${given.join(", ")} ${given.length === 1 ? "is" : "are"} set; set all GitHub App variables, or none to use the built-in GitHub simulator`,
        });
      }
      return z.NEVER;
    });
}
