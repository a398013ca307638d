import type { ServiceImpl } from "@connectrpc/connect";
import type { RegistryCredentialService } from "@hangar/api/registry_credential_service_pb.js";
import type { ServiceDeps } from "../service-deps.js";
import { createCredentialHandlers } from "./handlers.js";

/** hangar.v1.RegistryCredentialService. The compiler checks that every RPC has its handler. */
export function createRegistryCredentialService(
  deps: ServiceDeps,
): ServiceImpl<typeof RegistryCredentialService> {
  const handlers = createCredentialHandlers(deps);
  return {
    createRegistryCredential: (request, context) =>
      handlers.createRegistryCredential(request, context),
    listRegistryCredentials: (request, context) =>
      handlers.listRegistryCredentials(request, context),
    rotateRegistryCredential: (request, context) =>
      handlers.rotateRegistryCredential(request, context),
    deleteRegistryCredential: (request, context) =>
      handlers.deleteRegistryCredential(request, context),
  };
}
