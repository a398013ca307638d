export { up, down, status, endpoints, allServices, TEMPORAL_NAMESPACE } from "./environment.js";
export type { Environment, LocalEndpoints, ServiceName } from "./environment.js";
export type { Profile } from "./layout.js";
