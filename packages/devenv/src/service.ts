/**
 * One local service the platform needs. `up()` starts only the services that
 * are not already running and remembers which ones it started, so that
 * tearing down leaves alone whatever someone else started.
 */
export interface LocalService {
  readonly name: string;
  /** Builds or installs what is missing; slow the first time, cached afterwards. */
  prepare(): Promise<void>;
  /** True when an instance already answers on this profile's ports; works before prepare(). */
  isRunning(): Promise<boolean>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
