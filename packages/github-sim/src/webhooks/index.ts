// The webhook side of the simulator: model types, signing, delivery headers
// and payload builders. Named re-exports only, so unused pieces stay visible.
export type {
  SimAccount,
  SimCommit,
  SimConclusion,
  SimDeployment,
  SimInstallation,
  SimJob,
  SimJobStatus,
  SimPermissions,
  SimRepository,
  SimRun,
  SimRunner,
  SimStep,
} from "./model.js";
export { signPayload, signPayloadSha1, verifySignature } from "./signature.js";
export { deliveryHeaders, DEFAULT_USER_AGENT, type DeliveryHeadersInput } from "./headers.js";
export { DEFAULT_GITHUB_URLS, resolveUrls, type GitHubUrls } from "./urls.js";
export { PayloadInputError } from "./payloads/accounts.js";
export {
  installationPayload,
  installationRepositoriesPayload,
  type InstallationAction,
  type InstallationPayload,
  type InstallationRepositoriesAction,
  type InstallationRepositoriesPayload,
} from "./payloads/installation.js";
export {
  workflowJobPayload,
  type JobStep,
  type WorkflowJobAction,
  type WorkflowJobPayloads,
} from "./payloads/workflow-job.js";
export {
  workflowRunPayload,
  type WorkflowRunAction,
  type WorkflowRunPayload,
} from "./payloads/workflow-run.js";
export { pushPayload, type PushPayloadInput } from "./payloads/push.js";
export { pingPayload, type PingPayloadInput } from "./payloads/ping.js";
export { restInstallation, restRepository, restRunner, restWorkflowJob } from "./payloads/rest.js";
