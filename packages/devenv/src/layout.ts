import { homedir, tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A profile is one independent set of local services. `dev` keeps its data
 * between runs (what `npm start` uses); `test` is thrown away and rebuilt for
 * every test run, and listens on other ports so both can run side by side.
 */
export type Profile = "dev" | "test";

export interface Ports {
  postgres: number;
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
    postgres: 55432,
    temporal: 57233,
    temporalHttp: 57243,
    temporalMetrics: 57253,
    temporalUi: 58233,
    etcdClient: 52379,
    etcdPeer: 52380,
    apiserver: 56443,
    controllerManager: 56257,
    scheduler: 56259,
    kwok: 56280,
  },
  test: {
    postgres: 45432,
    temporal: 47233,
    temporalHttp: 47243,
    temporalMetrics: 47253,
    temporalUi: 48233,
    etcdClient: 42379,
    etcdPeer: 42380,
    apiserver: 46443,
    controllerManager: 46257,
    scheduler: 46259,
    kwok: 46280,
  },
};

export function portsFor(profile: Profile): Ports {
  return portsByProfile[profile];
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
