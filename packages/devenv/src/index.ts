export { up, down, status, endpoints, allServices, TEMPORAL_NAMESPACE } from "./environment.js";
export type { Environment, LocalEndpoints, ServiceName } from "./environment.js";
export type { Profile, Ports } from "./layout.js";
export { portsFor } from "./layout.js";
export { createTemporal } from "./temporal.js";
export type { TemporalOptions } from "./temporal.js";
export { startEmbeddedDatabase } from "./environment.js";
export { startEmbeddedPostgres } from "./pglite/embedded-postgres.js";
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from "./pglite/embedded-postgres.js";
