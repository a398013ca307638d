import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SimInputError } from "../state/context.js";
import type { SimulatorControl } from "./types.js";

const login = z.string().min(1);
const id = z.number().int().positive();
const name = z.string().min(1);

/** Each operation's arguments as a tuple: the HTTP client sends `{ args: [...] }`. */
const ARGS = {
  createInstallation: z.tuple([
    z.object({
      account: z.object({ login, type: z.enum(["Organization", "User"]) }),
      repositories: z.array(name),
      repositorySelection: z.enum(["all", "selected"]).optional(),
    }),
  ]),
  suspendInstallation: z.tuple([id]),
  unsuspendInstallation: z.tuple([id]),
  deleteInstallation: z.tuple([id]),
  addRepositories: z.tuple([id, z.array(name)]),
  removeRepositories: z.tuple([id, z.array(name)]),
  pushWorkflowFile: z.tuple([
    z.object({ repository: name, path: name, content: z.string(), branch: name.optional() }),
  ]),
  createRunnerGroup: z.tuple([login, name]),
  queueWorkflowRun: z.tuple([
    z.object({
      repository: name,
      workflowName: name.optional(),
      headBranch: name.optional(),
      jobs: z
        .array(
          z.object({
            name,
            labels: z.array(name),
            durationMs: z.number().int().nonnegative().optional(),
            conclusion: z.enum(["success", "failure", "cancelled"]).optional(),
            environment: name.optional(),
            needs: z.array(name).optional(),
          }),
        )
        .min(1)
        .max(256),
    }),
  ]),
  approveEnvironment: z.tuple([id]),
  cancelJob: z.tuple([id]),
  cancelRun: z.tuple([id]),
  connectRunner: z.tuple([name]),
  disconnectRunner: z.tuple([name]),
  holdRunner: z.tuple([name, z.boolean().optional()]),
  setRunnerBusy: z.tuple([name, z.boolean()]),
  tick: z.tuple([]),
  runners: z.tuple([login]),
  jobs: z.tuple([]),
  installations: z.tuple([]),
  deliveries: z.tuple([]),
  drainDeliveries: z.tuple([]),
  setWebhookUrl: z.tuple([z.url().nullable()]),
  setChaos: z.tuple([
    z.object({
      duplicate: z.number().min(0).max(1).optional(),
      reorder: z.boolean().optional(),
      delayMs: z.number().int().nonnegative().optional(),
      drop: z.number().min(0).max(1).optional(),
      seed: z.number().int().optional(),
    }),
  ]),
  chaosNext: z.tuple([
    z.object({
      duplicate: z.boolean().optional(),
      drop: z.boolean().optional(),
      delayMs: z.number().int().nonnegative().optional(),
    }),
  ]),
  failNext: z.tuple([
    z.object({
      method: z.string().optional(),
      pathPattern: z.string().optional(),
      status: z.union([z.literal(403), z.literal(429), z.literal(500), z.literal(502)]),
      retryAfterSeconds: z.number().int().nonnegative().optional(),
      secondary: z.boolean().optional(),
      count: z.number().int().positive().optional(),
    }),
  ]),
  holdRequests: z.tuple([z.boolean()]),
} satisfies Record<keyof SimulatorControl, z.ZodType<unknown[]>>;

export type ControlOperation = keyof typeof ARGS;

function isOperation(op: string): op is ControlOperation {
  return Object.hasOwn(ARGS, op);
}

/**
 * `POST /_sim/{operation}` with `{ "args": [...] }` → `{ "result": … }`: the
 * control API for out-of-process drivers. It bypasses auth and rate limits.
 */
export function registerControlRoutes(app: FastifyInstance, control: SimulatorControl): void {
  app.post<{ Params: { op: string } }>("/_sim/:op", async (request, reply) => {
    const op = request.params.op;
    if (!isOperation(op)) return reply.code(404).send({ message: `unknown operation ${op}` });
    const body = request.body;
    const rawArgs = typeof body === "object" && body !== null && "args" in body ? body.args : [];
    const parsed = ARGS[op].safeParse(rawArgs);
    if (!parsed.success) {
      return reply
        .code(400)
        .send({ message: `invalid arguments for ${op}: ${parsed.error.message}` });
    }
    // Both control implementations are objects of arrow functions: no `this` to lose.
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const method = control[op] as (...args: unknown[]) => Promise<unknown>;
    try {
      const result = await method(...parsed.data);
      return { result: result ?? null };
    } catch (error) {
      if (error instanceof SimInputError)
        return reply.code(error.status).send({ message: error.message });
      throw error;
    }
  });
}
