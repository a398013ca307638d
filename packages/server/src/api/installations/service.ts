import type { ServiceImpl } from "@connectrpc/connect";
import type { InstallationService } from "@hangar/api/installation_service_pb.js";
import type { ServiceDeps } from "../service-deps.js";
import { createInstallationHandlers } from "./handlers.js";

/** hangar.v1.InstallationService. The compiler checks that every RPC has its handler. */
export function createInstallationService(
  deps: ServiceDeps,
): ServiceImpl<typeof InstallationService> {
  const handlers = createInstallationHandlers(deps);
  return {
    listInstallations: (request, context) => handlers.listInstallations(request, context),
    getInstallation: (request, context) => handlers.getInstallation(request, context),
    linkInstallation: (request, context) => handlers.linkInstallation(request, context),
    setInstallationService: (request, context) => handlers.setInstallationService(request, context),
    listInstallationRepositories: (request, context) =>
      handlers.listInstallationRepositories(request, context),
  };
}
