import type { ServiceImpl } from "@connectrpc/connect";
import type { JobService } from "@hangar/api/job_service_pb.js";
import type { ServiceDeps } from "../service-deps.js";
import { createJobHandlers } from "./handlers.js";

/** hangar.v1.JobService. The compiler checks that every RPC has its handler. */
export function createJobService(deps: ServiceDeps): ServiceImpl<typeof JobService> {
  const handlers = createJobHandlers(deps);
  return {
    listJobs: (request, context) => handlers.listJobs(request, context),
    getJob: (request, context) => handlers.getJob(request, context),
  };
}
