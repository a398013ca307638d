import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Ports stay below 32768, out of Linux's ephemeral range (32768–60999), where
 * an outgoing connection could hold a port at the moment a service binds it.
 *
 * A profile is one independent set of local services. `dev` keeps its data
 * between runs (what `npm start` uses); `test` is thrown away and rebuilt for
 * every test run, and listens on other ports so both can run side by side.
 */
export type Profile = "dev" | "test";

export interface Ports {
  postgres: number;
  /** The embedded PostgreSQL (PGlite) that `hangar start` serves by default. */
  pglite: number;
  temporal: number;
  temporalHttp: number;
  temporalMetrics: number;
  temporalUi: number;
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
  kwok: number;
}

const portsByProfile: Record<Profile, Ports> = {
  dev: {
    postgres: 25432,
    pglite: 25433,
    temporal: 27233,
    temporalHttp: 27243,
    temporalMetrics: 27253,
    temporalUi: 28233,
    etcdClient: 22379,
    etcdPeer: 22380,
    apiserver: 26443,
    controllerManager: 26257,
    scheduler: 26259,
    kwok: 26280,
  },
  test: {
    postgres: 15432,
    pglite: 15433,
    temporal: 17233,
    temporalHttp: 17243,
    temporalMetrics: 17253,
    temporalUi: 18233,
    etcdClient: 12379,
    etcdPeer: 12380,
    apiserver: 16443,
    controllerManager: 16257,
    scheduler: 16259,
    kwok: 16280,
  },
};

/**
 * HANGAR_PORT_OFFSET shifts every port, so two checkouts (or two CI jobs) on
 * one machine can run their own services side by side.
 */
export function portsFor(profile: Profile): Ports {
  const raw = process.env["HANGAR_PORT_OFFSET"] ?? "0";
  const offset = Number.parseInt(raw, 10);
  if (!/^\d+$/.test(raw) || offset > 4000) {
    throw new Error(`HANGAR_PORT_OFFSET must be an integer from 0 to 4000, not "${raw}"`);
  }
  const base = portsByProfile[profile];
  const shifted = {} as Ports;
  for (const name of Object.keys(base) as (keyof Ports)[]) shifted[name] = base[name] + offset;
  return shifted;
}

/** Where built binaries are cached, keyed by version: shared by all profiles and clones. */
export function cacheDir(): string {
  const override = process.env["HANGAR_CACHE_DIR"];
  if (override) return override;
  const xdg = process.env["XDG_CACHE_HOME"];
  return join(xdg ?? join(homedir(), ".cache"), "hangar");
}

/**
 * Where a profile's data, logs and pid files live. PostgreSQL runs as the
 * `postgres` user when we are root, and root's home is not traversable by it,
 * so root uses /var/tmp (survives reboots, unlike /tmp).
 */
export function stateDir(profile: Profile): string {
  const override = process.env["HANGAR_STATE_DIR"];
  if (override) return join(override, profile);
  if (process.getuid?.() === 0) return join("/var/tmp/hangar", profile);
  const xdg = process.env["XDG_STATE_HOME"];
  if (profile === "test") return join(tmpdir(), `hangar-${process.getuid?.() ?? "user"}`, profile);
  return join(xdg ?? join(homedir(), ".local", "state"), "hangar", profile);
}
