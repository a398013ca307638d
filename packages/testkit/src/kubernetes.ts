import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { testEndpoints, uniqueSuffix } from "./endpoints.js";

export interface TestNamespace {
  name: string;
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  /** Deletes the namespace (and so everything in it). */
  close(): Promise<void>;
}

export function testKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromFile(testEndpoints().kubeconfig);
  return kubeConfig;
}

/**
 * A namespace of this test file's own on the local control plane, returned
 * once its `default` ServiceAccount exists (pods are refused before that).
 */
export async function testNamespace(labels: Record<string, string> = {}): Promise<TestNamespace> {
  const kubeConfig = testKubeConfig();
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const name = `test-${uniqueSuffix()}`;
  await core.createNamespace({
    body: { metadata: { name, labels: { "hangar.dev/test": "true", ...labels } } },
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await core
      .readNamespacedServiceAccount({ name: "default", namespace: name })
      .then(() => true)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > deadline)
      throw new Error(`namespace ${name}: default ServiceAccount never appeared`);
    await sleep(100);
  }
  return {
    name,
    kubeConfig,
    core,
    async close() {
      await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
}
