import type { ConnectRouter } from "@connectrpc/connect";
import { InstallationService } from "@hangar/api/installation_service_pb.js";
import { JobService } from "@hangar/api/job_service_pb.js";
import { OfferingService } from "@hangar/api/offering_service_pb.js";
import { RegistryCredentialService } from "@hangar/api/registry_credential_service_pb.js";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { UsageService } from "@hangar/api/usage_service_pb.js";
import { WorkspaceService } from "@hangar/api/workspace_service_pb.js";
import type { Client } from "@temporalio/client";
import type { Kysely } from "kysely";
import { createAuthorize, databaseAuthorizer, type Authorizer } from "./access.js";
import { createAuthenticator } from "./authenticate.js";
import { createConsoleAssets } from "./console-assets.js";
import { listenDualProtocol } from "./listener.js";
import { createRateLimiter } from "./rate-limit.js";
import { temporalPoolSignals, type PoolSignals } from "./runners/pool-signals.js";
import { createRunnerService } from "./runners/service.js";
import { createRegistryCredentialService } from "./credentials/service.js";
import { createInstallationService } from "./installations/service.js";
import { createJobService } from "./jobs/service.js";
import { createOfferingService } from "./offerings/service.js";
import { usageDownloadRoute } from "./usage/download.js";
import { createUsageService } from "./usage/service.js";
import { createWorkspaceService } from "./workspaces/service.js";
import type { ServiceDeps } from "./service-deps.js";
import type { SecretCipher } from "../crypto/envelope.js";
import { createApiHandler } from "./server.js";
import type { Logger } from "../observability/logger.js";
import type { Database } from "../storage/schema.js";

export interface ApiDeps {
  db: Kysely<Database>;
  temporalClient: Client;
  taskQueue: string;
  logger: Logger;
  host: string;
  /** 0 picks a free port (see `url`). */
  port: number;
  maxBodyBytes: number;
  rateLimit: { perSecond: number; burst: number };
  /** The authorization engine; authz/check.ts over `db` unless a test passes another. */
  authorizer?: Authorizer;
  /** How mutations reach the runner pools; Temporal signals unless a test passes another. */
  pools?: PoolSignals;
  /** Seals registry credentials (the key ring of HANGAR_ENCRYPTION_KEY); without it they are refused. */
  secrets?: SecretCipher;
  /** A new workspace's namespace is this plus its slug (HANGAR_KUBE_NAMESPACE_PREFIX). */
  namespacePrefix?: string;
  /** The built dashboard, served at `/` (api/console-assets.ts); none when unset or false. */
  consoleDir?: string | false;
}

export interface RunningApi {
  /** e.g. http://127.0.0.1:8081; Connect, gRPC-web and plain JSON POSTs under it. */
  url: string;
  stop(): Promise<void>;
}

/**
 * hangar.v1's services over Connect on one port, HTTP/1.1 and HTTP/2 alike, assembled
 * from plain values (main/api.ts reads them from config).
 */
export async function startApiServer(deps: ApiDeps): Promise<RunningApi> {
  const logger = deps.logger.child({ subsystem: "api" });
  const authorizer = deps.authorizer ?? databaseAuthorizer(deps.db);
  const authorize = createAuthorize(authorizer);
  const pools = deps.pools ?? temporalPoolSignals(deps.temporalClient, deps.taskQueue);
  const services: ServiceDeps = {
    db: deps.db,
    authorize,
    authorizer,
    pools,
    secrets: deps.secrets,
  };
  const routes = (router: ConnectRouter): void => {
    router.service(RunnerService, createRunnerService({ db: deps.db, authorize, pools }));
    router.service(
      WorkspaceService,
      createWorkspaceService({ ...services, namespacePrefix: deps.namespacePrefix ?? "hangar-" }),
    );
    router.service(InstallationService, createInstallationService(services));
    router.service(OfferingService, createOfferingService(services));
    router.service(RegistryCredentialService, createRegistryCredentialService(services));
    router.service(JobService, createJobService(services));
    router.service(UsageService, createUsageService(services));
  };
  const handler = createApiHandler({
    routes,
    authenticator: createAuthenticator({
      db: deps.db,
      onLastUsedError: (error) => {
        logger.warn({ error: String(error) }, "could not record an API token's use");
      },
    }),
    rateLimiter: createRateLimiter(deps.rateLimit),
    logger,
    maxBodyBytes: deps.maxBodyBytes,
    httpRoutes: [usageDownloadRoute(services)],
    ...(deps.consoleDir === undefined || deps.consoleDir === false
      ? {}
      : { consoleAssets: createConsoleAssets({ dir: deps.consoleDir }) }),
  });
  const listener = await listenDualProtocol(handler, { host: deps.host, port: deps.port });
  logger.info({ url: listener.url }, "api listening");
  return { url: listener.url, stop: () => listener.close() };
}
