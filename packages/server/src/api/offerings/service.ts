import type { ServiceImpl } from "@connectrpc/connect";
import type { OfferingService } from "@hangar/api/offering_service_pb.js";
import type { ServiceDeps } from "../service-deps.js";
import { createOfferingHandlers } from "./handlers.js";

/** hangar.v1.OfferingService. The compiler checks that every RPC has its handler. */
export function createOfferingService(deps: ServiceDeps): ServiceImpl<typeof OfferingService> {
  const handlers = createOfferingHandlers(deps);
  return {
    listOfferings: (request, context) => handlers.listOfferings(request, context),
    createOffering: (request, context) => handlers.createOffering(request, context),
    updateOffering: (request, context) => handlers.updateOffering(request, context),
    retireOffering: (request, context) => handlers.retireOffering(request, context),
  };
}
