import { startSimulator, type Simulator } from "@hangar/github-sim";
import type { KubeConfig } from "@kubernetes/client-node";
import type { Config } from "../config/types.js";
import { createGitHubApp } from "../github/app-client.js";
import type { GitHubApp } from "../github/types.js";
import type { Logger } from "../observability/logger.js";

export interface GitHubConnection {
  app: GitHubApp;
  /** Current secret first, then the previous one during a rotation. */
  webhookSecrets: string[];
  /** Present when the built-in simulator stands in for GitHub (dev without an App). */
  simulator: Simulator | undefined;
  close(): Promise<void>;
}

/**
 * GitHub as the configuration says: the configured App, or (dev only) the
 * built-in simulator, which behaves like GitHub and needs no credentials.
 */
export async function connectGitHub(
  config: Config,
  logger: Logger,
  /** Lets the simulator play the runners of the pods on this cluster (simulator only). */
  options: { kubeConfig?: KubeConfig } = {},
): Promise<GitHubConnection> {
  const log = logger.child({ subsystem: "github" });
  if (config.github.mode === "app") {
    const { apiUrl, appId, privateKey, webhookSecret, previousWebhookSecret } = config.github;
    return {
      app: createGitHubApp({ apiUrl, appId, privateKeyPem: privateKey.reveal(), logger: log }),
      webhookSecrets: [webhookSecret, previousWebhookSecret]
        .filter((secret) => secret !== undefined)
        .map((secret) => secret.reveal()),
      simulator: undefined,
      close: () => Promise.resolve(),
    };
  }
  // Loopback only, whatever HANGAR_HTTP_HOST says: the control API needs no credentials.
  const simulator = await startSimulator({
    host: "127.0.0.1",
    port: config.demo.simulatorPort,
    ...(options.kubeConfig === undefined ? {} : { kubeConfig: options.kubeConfig }),
  });
  log.info({ url: simulator.url, appId: simulator.app.id }, "GitHub simulator started");
  return {
    app: createGitHubApp({
      apiUrl: simulator.url,
      appId: simulator.app.id,
      privateKeyPem: simulator.app.privateKeyPem,
      logger: log,
    }),
    webhookSecrets: [simulator.app.webhookSecret],
    simulator,
    close: () => simulator.close(),
  };
}
