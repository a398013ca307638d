import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { InstallationService } from "@hangar/api/installation_service_pb.js";
import { JobService } from "@hangar/api/job_service_pb.js";
import { OfferingService } from "@hangar/api/offering_service_pb.js";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { UsageService } from "@hangar/api/usage_service_pb.js";
import { WorkspaceService } from "@hangar/api/workspace_service_pb.js";
import { CliError, ExitCode } from "../exit-codes.js";
import { fromConnectError } from "./errors.js";
import type { Settings } from "./settings.js";

export interface Api {
  settings: Settings;
  workspaces: Client<typeof WorkspaceService>;
  runners: Client<typeof RunnerService>;
  jobs: Client<typeof JobService>;
  usage: Client<typeof UsageService>;
  installations: Client<typeof InstallationService>;
  offerings: Client<typeof OfferingService>;
  /** Runs a call, turning Connect errors into the CLI's one-line errors. */
  call<T>(work: () => Promise<T>): Promise<T>;
}

/** No call should hang a script forever; the slowest (a year's usage export) stays far below. */
const TIMEOUT_MS = 120_000;

export function connectApi(settings: Settings): Api {
  const { token } = settings;
  if (token === undefined) {
    throw new CliError(
      `no API token for ${settings.apiUrl}`,
      ExitCode.config,
      "run `hangar login`, or pass --token / set HANGAR_TOKEN",
    );
  }
  const authorize: Interceptor = (next) => (request) => {
    request.header.set("authorization", `Bearer ${token}`);
    return next(request);
  };
  const transport = createConnectTransport({
    baseUrl: settings.apiUrl,
    httpVersion: "1.1",
    interceptors: [authorize],
    defaultTimeoutMs: TIMEOUT_MS,
  });
  return {
    settings,
    workspaces: createClient(WorkspaceService, transport),
    runners: createClient(RunnerService, transport),
    jobs: createClient(JobService, transport),
    usage: createClient(UsageService, transport),
    installations: createClient(InstallationService, transport),
    offerings: createClient(OfferingService, transport),
    async call(work) {
      try {
        return await work();
      } catch (error) {
        throw fromConnectError(error, settings.apiUrl) ?? error;
      }
    },
  };
}

export interface Page<T> {
  items: T[];
  nextPageToken: string;
}

/** At most `limit` items (every one with `all`), a page at a time. */
export async function collect<T>(
  fetchPage: (pageSize: number, pageToken: string) => Promise<Page<T>>,
  options: { limit: number; all: boolean },
): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let pageToken = "";
  for (;;) {
    const wanted = options.all ? 500 : Math.min(500, options.limit - items.length);
    const page = await fetchPage(wanted, pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken;
    if (pageToken === "") return { items, more: false };
    if (!options.all && items.length >= options.limit) return { items, more: true };
  }
}
