import { join } from "node:path";
import { createControlPlane } from "./kubernetes/control-plane.js";
import { portsFor, stateDir, type Profile } from "./layout.js";
import { createPostgres, postgresUrl } from "./postgres.js";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./pglite/embedded-postgres.js";
import type { LocalService } from "./service.js";
import { createTemporal } from "./temporal.js";
import { note, timed } from "./progress.js";

export type ServiceName = "postgres" | "temporal" | "kubernetes";
export const allServices: readonly ServiceName[] = ["postgres", "temporal", "kubernetes"];

/** How to reach the local services: what tests and `npm start` hand to Hangar's config. */
export interface LocalEndpoints {
  profile: Profile;
  databaseUrl: string;
  temporalAddress: string;
  temporalNamespace: string;
  temporalUiUrl?: string;
  kubeconfig: string;
}

export const TEMPORAL_NAMESPACE = "hangar";

function services(profile: Profile): Record<ServiceName, LocalService> & {
  kubernetes: ReturnType<typeof createControlPlane>;
} {
  const dir = stateDir(profile);
  const ports = portsFor(profile);
  const throwaway = profile === "test";
  return {
    postgres: createPostgres({ dir: join(dir, "postgres"), port: ports.postgres, throwaway }),
    temporal: createTemporal({
      dir: join(dir, "temporal"),
      ports: {
        grpc: ports.temporal,
        http: ports.temporalHttp,
        metrics: ports.temporalMetrics,
        ui: ports.temporalUi,
      },
      persistent: !throwaway,
      namespaces: [TEMPORAL_NAMESPACE],
    }),
    kubernetes: createControlPlane({ dir: join(dir, "kubernetes"), ports, throwaway }),
  };
}

export function endpoints(profile: Profile): LocalEndpoints {
  const ports = portsFor(profile);
  return {
    profile,
    databaseUrl: postgresUrl(ports.postgres),
    temporalAddress: `127.0.0.1:${ports.temporal}`,
    temporalNamespace: TEMPORAL_NAMESPACE,
    ...(profile === "dev" ? { temporalUiUrl: `http://127.0.0.1:${ports.temporalUi}` } : {}),
    kubeconfig: services(profile).kubernetes.credentials().kubeconfig,
  };
}

export interface Environment {
  endpoints: LocalEndpoints;
  /** The services this call started (and so the ones `down` will stop). */
  started: ServiceName[];
  /** Optional services that could not be built or started, and why. */
  unavailable: { name: ServiceName; reason: string }[];
  /** Stops only what this call started. */
  down(): Promise<void>;
}

/**
 * Makes the profile's services available: reuses healthy ones, builds or
 * installs what is missing (cached across runs), starts the rest. Idempotent.
 * A failure of a service named in `optional` is reported in `unavailable`
 * instead of failing the whole call (`npm start` runs without Kubernetes
 * rather than not at all).
 */
export async function up(
  profile: Profile,
  only: readonly ServiceName[] = allServices,
  options: { optional?: readonly ServiceName[] } = {},
): Promise<Environment> {
  const all = services(profile);
  const started: ServiceName[] = [];
  const unavailable: Environment["unavailable"] = [];
  const stopStarted = async (): Promise<void> => {
    for (const name of [...started].reverse()) await all[name].stop();
  };
  for (const name of only) {
    const service = all[name];
    try {
      if (await service.isRunning()) {
        note(`${name} (${profile}) already running`);
        continue;
      }
      await service.prepare();
      await timed(`starting ${name} (${profile})`, () => service.start());
      started.push(name);
    } catch (error) {
      if (options.optional?.includes(name)) {
        await service.stop().catch(() => undefined);
        const reason = error instanceof Error ? error.message : String(error);
        note(`${name} (${profile}) unavailable: ${reason}`);
        unavailable.push({ name, reason });
        continue;
      }
      await stopStarted();
      throw error;
    }
  }
  return { endpoints: endpoints(profile), started, unavailable, down: stopStarted };
}

/** Stops the profile's services whoever started them. */
export async function down(
  profile: Profile,
  only: readonly ServiceName[] = allServices,
): Promise<void> {
  const all = services(profile);
  for (const name of [...only].reverse()) await all[name].stop();
}

export async function status(profile: Profile): Promise<Record<ServiceName, boolean>> {
  const all = services(profile);
  const result = {} as Record<ServiceName, boolean>;
  for (const name of allServices) {
    result[name] = await all[name].isRunning();
  }
  return result;
}

/**
 * The profile's embedded PostgreSQL (PGlite), in this process: data in the profile's
 * state directory (kept across runs), served on the profile's `pglite` port.
 */
export function startEmbeddedDatabase(
  profile: Profile,
  options: { log?: (message: string) => void } = {},
): Promise<EmbeddedPostgres> {
  return timed(`starting the embedded PostgreSQL (${profile})`, () =>
    startEmbeddedPostgres({
      dir: join(stateDir(profile), "pglite"),
      port: portsFor(profile).pglite,
      log: options.log ?? note,
    }),
  );
}
