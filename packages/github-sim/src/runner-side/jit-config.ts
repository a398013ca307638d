// Where a runner pod keeps its just-in-time configuration, and how to read it
// the way the kubelet would when starting the container.
import type { CoreV1Api, V1Pod } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";

export const JIT_CONFIG_ENV = "ACTIONS_RUNNER_INPUT_JITCONFIG";

export type JitConfigSource =
  | { kind: "value"; value: string }
  | { kind: "secret"; namespace: string; secretName: string; key: string };

/** Where the pod's runner container reads its JIT config from; undefined for non-runner pods. */
export function jitConfigSource(pod: V1Pod): JitConfigSource | undefined {
  const namespace = pod.metadata?.namespace ?? "";
  for (const container of pod.spec?.containers ?? []) {
    const env = container.env?.find((e) => e.name === JIT_CONFIG_ENV);
    if (!env) continue;
    if (env.value !== undefined) return { kind: "value", value: env.value };
    const ref = env.valueFrom?.secretKeyRef;
    if (ref?.name) return { kind: "secret", namespace, secretName: ref.name, key: ref.key };
  }
  return undefined;
}

export class JitConfigUnavailableError extends Error {
  override name = "JitConfigUnavailableError";
}

export interface ReadJitConfigOptions {
  /** Provisioners often create the Secret right after the Pod; wait this long for it. */
  attempts?: number;
  delayMs?: number;
  signal?: AbortSignal;
}

/** Resolves the config, retrying while the Secret or its key does not exist yet. */
export async function readJitConfig(
  core: CoreV1Api,
  source: JitConfigSource,
  options: ReadJitConfigOptions = {},
): Promise<string> {
  if (source.kind === "value") return source.value;
  const attempts = options.attempts ?? 20;
  const delayMs = options.delayMs ?? 250;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const secret = await core.readNamespacedSecret({
        name: source.secretName,
        namespace: source.namespace,
      });
      const data = secret.data?.[source.key];
      if (data !== undefined) return Buffer.from(data, "base64").toString("utf8");
      lastError = new Error(`key ${source.key} missing`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      lastError = error;
    }
    if (attempt < attempts) await sleep(delayMs, undefined, { signal: options.signal });
  }
  throw new JitConfigUnavailableError(
    `secret ${source.namespace}/${source.secretName} key ${source.key} unavailable`,
    { cause: lastError },
  );
}

export function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === 404;
}
