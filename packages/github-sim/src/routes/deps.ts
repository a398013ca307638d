import type { FastifyRequest } from "fastify";
import type { AppKeys } from "../auth/app-jwt.js";
import type { TokenStore } from "../auth/tokens.js";
import type { DeliverySender } from "../delivery/sender.js";
import type { PrimaryLimiter } from "../rate-limit/primary.js";
import type { SimContext } from "../state/context.js";
import type { GitHubUrls } from "../webhooks/urls.js";

export interface AppIdentity {
  id: number;
  slug: string;
  clientId: string;
  webhookSecret: string;
}

/** What the REST routes read and change; one per simulator. */
export interface RouteDeps {
  ctx: SimContext;
  app: AppIdentity;
  keys: AppKeys;
  tokens: TokenStore;
  tokenTtlSeconds: number;
  primary: PrimaryLimiter;
  deliveries: DeliverySender;
  urls(): GitHubUrls;
}

/** Who a REST request authenticated as; set by the request pipeline in server.ts. */
export type RequestAuth =
  { kind: "none" } | { kind: "app" } | { kind: "installation"; installationId: number };

export type AuthKind = "jwt" | "installation" | "none";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Which credential a route takes; absent on control and not-found routes. */
    auth?: AuthKind;
  }
}

// Kept beside the request rather than decorated onto it: Fastify 5 refuses
// object-valued request decorators.
const authByRequest = new WeakMap<FastifyRequest, RequestAuth>();

export function setRequestAuth(request: FastifyRequest, auth: RequestAuth): void {
  authByRequest.set(request, auth);
}

/** Who the request authenticated as; `none` before the pipeline ran. */
export function requestAuth(request: FastifyRequest): RequestAuth {
  return authByRequest.get(request) ?? { kind: "none" };
}
