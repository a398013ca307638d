import type { ServiceImpl } from "@connectrpc/connect";
import type { UsageService } from "@hangar/api/usage_service_pb.js";
import type { ServiceDeps } from "../service-deps.js";
import { createUsageHandlers } from "./handlers.js";

/** hangar.v1.UsageService. The compiler checks that every RPC has its handler. */
export function createUsageService(deps: ServiceDeps): ServiceImpl<typeof UsageService> {
  const handlers = createUsageHandlers(deps);
  return {
    getUsage: (request, context) => handlers.getUsage(request, context),
    exportUsage: (request, context) => handlers.exportUsage(request, context),
  };
}
