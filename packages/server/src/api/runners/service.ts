import type { ServiceImpl } from "@connectrpc/connect";
import type { RunnerService } from "@hangar/api/runner_service_pb.js";
import { createRunnerReads } from "./read-handlers.js";
import type { RunnerServiceDeps } from "./service-deps.js";
import { createRunnerUpdate } from "./update-runner.js";
import { createRunnerWrites } from "./write-handlers.js";

export type { RunnerServiceDeps } from "./service-deps.js";

/** hangar.v1.RunnerService. The compiler checks that every RPC has its handler. */
export function createRunnerService(deps: RunnerServiceDeps): ServiceImpl<typeof RunnerService> {
  const reads = createRunnerReads(deps);
  const writes = createRunnerWrites(deps);
  const updateRunner = createRunnerUpdate(deps);
  return {
    installRunners: (request, context) => writes.installRunners(request, context),
    createRunner: (request, context) => writes.createRunner(request, context),
    getRunner: (request, context) => reads.getRunner(request, context),
    listRunners: (request, context) => reads.listRunners(request, context),
    updateRunner: (request, context) => updateRunner(request, context),
    deleteRunner: (request, context) => writes.deleteRunner(request, context),
    suspendRunner: (request, context) => writes.suspendRunner(request, context),
    resumeRunner: (request, context) => writes.resumeRunner(request, context),
    getRunnerMetrics: (request, context) => reads.getRunnerMetrics(request, context),
  };
}
