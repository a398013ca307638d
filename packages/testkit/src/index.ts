export { testEndpoints, uniqueSuffix } from "./endpoints.js";
export { testDatabase, createTemplateDatabase, TEMPLATE_DATABASE } from "./database.js";
export type { TestDatabase } from "./database.js";
export { testTemporal } from "./temporal.js";
export type { TestTemporal } from "./temporal.js";
export { testNamespace, testKubeConfig } from "./kubernetes.js";
export { eventually } from "./eventually.js";
export type { TestNamespace } from "./kubernetes.js";
export { recordHistory, loadHistories, recordingHistories } from "./histories.js";
