import { z } from "zod";
import { billingSection } from "./billing.js";
import { demoSection } from "./demo.js";
import { encryptionSection } from "./encryption.js";
import { githubSection } from "./github.js";
import { kubernetesSection } from "./kubernetes.js";
import { metricsSection } from "./metrics.js";
import {
  host,
  hostAndPort,
  integer,
  nonBlank,
  oneOf,
  port,
  requiredOutsideDev,
  secret,
  strictBoolean,
  url,
} from "./parsers.js";
import type { RawEnvironment } from "./environment.js";
import { logLevels, roles, type Config, type Role } from "./types.js";

// The whole configuration as one zod schema. Each section reads its variables
// from the same flat environment and checks the rules that span them, so a bad
// port does not hide a half-configured GitHub App: every section reports.

// Seconds; a day at most, because a larger number is far more likely milliseconds by mistake.
const day = { min: 1, max: 86_400, unit: "seconds" };

export const roleSchema = oneOf(roles);

/**
 * Parses every section from the same flat environment. The schema depends on
 * the role because requirements do; an invalid role is reported by the `role`
 * section and held to the stricter, non-dev rules meanwhile.
 */
export function parseConfig(raw: RawEnvironment): z.ZodSafeParseResult<Config> {
  const role = roleSchema.safeParse(raw.HANGAR_ROLE);
  const schema = configSchema(role.success ? role.data : undefined);
  const input = Object.fromEntries(Object.keys(schema.shape).map((section) => [section, raw]));
  return schema.safeParse(input);
}

export function configSchema(role: Role | undefined) {
  // Dev fills these from its own defaults, so only other roles can miss them.
  const required = requiredOutsideDev(role);

  return z.object({
    role: z.object({ HANGAR_ROLE: roleSchema }).transform((env) => env.HANGAR_ROLE),

    database: z
      .object({
        HANGAR_DATABASE_URL: required(secret(url(["postgres", "postgresql"]))),
        HANGAR_DATABASE_POOL_MAX: integer({ min: 1, max: 1000 }),
      })
      .transform((env) => ({
        url: env.HANGAR_DATABASE_URL,
        poolMax: env.HANGAR_DATABASE_POOL_MAX,
      })),

    temporal: z
      .object({
        HANGAR_TEMPORAL_ADDRESS: hostAndPort,
        HANGAR_TEMPORAL_NAMESPACE: nonBlank,
        HANGAR_TEMPORAL_TASK_QUEUE: nonBlank,
        HANGAR_TEMPORAL_TLS: strictBoolean.optional(),
        HANGAR_TEMPORAL_API_KEY: secret(nonBlank).optional(),
      })
      .transform((env, ctx) => {
        const apiKey = env.HANGAR_TEMPORAL_API_KEY;
        if (apiKey !== undefined && env.HANGAR_TEMPORAL_TLS === false) {
          ctx.addIssue({
            code: "custom",
            path: ["HANGAR_TEMPORAL_TLS"],
            message:
              "must not be false while HANGAR_TEMPORAL_API_KEY is set: the key would be sent in clear text",
          });
          return z.NEVER;
        }
        return {
          address: env.HANGAR_TEMPORAL_ADDRESS,
          namespace: env.HANGAR_TEMPORAL_NAMESPACE,
          taskQueue: env.HANGAR_TEMPORAL_TASK_QUEUE,
          tls: env.HANGAR_TEMPORAL_TLS ?? apiKey !== undefined,
          apiKey,
        };
      }),

    kubernetes: kubernetesSection(),

    github: githubSection(role),

    http: z
      .object({
        HANGAR_HTTP_HOST: host,
        HANGAR_INTAKE_PORT: port,
        HANGAR_API_PORT: port,
        HANGAR_METRICS_PORT: port,
        HANGAR_WEBHOOK_MAX_BYTES: integer({ min: 1024, max: 100 * 1024 * 1024, unit: "bytes" }),
      })
      .transform((env, ctx) => {
        // Only the listeners this role opens must differ; 0 ("any free port") never clashes.
        const listeners = [
          ["HANGAR_INTAKE_PORT", env.HANGAR_INTAKE_PORT, role === "dev" || role === "intake"],
          ["HANGAR_API_PORT", env.HANGAR_API_PORT, role === "dev" || role === "api"],
          ["HANGAR_METRICS_PORT", env.HANGAR_METRICS_PORT, true],
        ] as const;
        const seen = new Map<number, string>();
        for (const [name, value, opened] of listeners) {
          if (!opened || value === 0) continue;
          const other = seen.get(value);
          if (other !== undefined) {
            ctx.addIssue({ code: "custom", path: [name], message: `must differ from ${other}` });
          }
          seen.set(value, name);
        }
        return {
          host: env.HANGAR_HTTP_HOST,
          intakePort: env.HANGAR_INTAKE_PORT,
          apiPort: env.HANGAR_API_PORT,
          metricsPort: env.HANGAR_METRICS_PORT,
          webhookMaxBytes: env.HANGAR_WEBHOOK_MAX_BYTES,
        };
      }),

    api: z
      .object({
        HANGAR_API_MAX_BODY_BYTES: integer({ min: 1024, max: 64 * 1024 * 1024, unit: "bytes" }),
        HANGAR_API_RATE_LIMIT_PER_SECOND: integer({ min: 1, max: 100_000 }),
        HANGAR_API_RATE_LIMIT_BURST: integer({ min: 1, max: 100_000 }),
      })
      .transform((env) => ({
        maxBodyBytes: env.HANGAR_API_MAX_BODY_BYTES,
        rateLimitPerSecond: env.HANGAR_API_RATE_LIMIT_PER_SECOND,
        rateLimitBurst: env.HANGAR_API_RATE_LIMIT_BURST,
      })),

    outbox: z
      .object({ HANGAR_OUTBOX_MAX_ATTEMPTS: integer({ min: 1, max: 1000 }) })
      .transform((env) => ({ maxAttempts: env.HANGAR_OUTBOX_MAX_ATTEMPTS })),

    metrics: metricsSection(),

    log: z
      .object({ HANGAR_LOG_LEVEL: oneOf(logLevels), HANGAR_LOG_PRETTY: strictBoolean })
      .transform((env) => ({ level: env.HANGAR_LOG_LEVEL, pretty: env.HANGAR_LOG_PRETTY })),

    runners: z
      .object({
        HANGAR_RUNNER_BOOTSTRAP_TIMEOUT_SECONDS: integer(day),
        HANGAR_RUNNER_IDLE_TIMEOUT_SECONDS: integer(day),
        HANGAR_JOB_STALE_CHECK_SECONDS: integer(day),
        HANGAR_RUNNER_START_BACKOFF_SECONDS: integer(day),
        HANGAR_RUNNER_MAX_FAILED_STARTS: integer({ min: 1, max: 100 }),
        HANGAR_RUNNER_POOL_INTERVAL_SECONDS: integer(day),
      })
      .transform((env) => ({
        bootstrapTimeoutSeconds: env.HANGAR_RUNNER_BOOTSTRAP_TIMEOUT_SECONDS,
        idleTimeoutSeconds: env.HANGAR_RUNNER_IDLE_TIMEOUT_SECONDS,
        jobStaleCheckSeconds: env.HANGAR_JOB_STALE_CHECK_SECONDS,
        startBackoffSeconds: env.HANGAR_RUNNER_START_BACKOFF_SECONDS,
        maxFailedStarts: env.HANGAR_RUNNER_MAX_FAILED_STARTS,
        poolIntervalSeconds: env.HANGAR_RUNNER_POOL_INTERVAL_SECONDS,
      })),

    encryption: encryptionSection(role),

    billing: billingSection(),

    demo: demoSection(),

    tracing: z
      .object({ OTEL_EXPORTER_OTLP_ENDPOINT: url(["http", "https"]).optional() })
      .transform((env) =>
        env.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
          ? { enabled: false as const }
          : { enabled: true as const, otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT },
      ),
  });
}
