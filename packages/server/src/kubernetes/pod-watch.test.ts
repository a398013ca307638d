import { runnerPod, testNamespace, eventually, type TestNamespace } from "@hangar/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchPods, type PodEvent } from "./pod-watch.js";

// The pod watch against the local API server, with watches ended every second
// so that the re-list path (and its detection of deletions) runs in the test.

let ns: TestNamespace;

beforeAll(async () => {
  ns = await testNamespace();
});

afterAll(async () => {
  await ns.close();
});

const labelled = (name: string, group: string) => {
  const pod = runnerPod(name);
  pod.metadata = { name, labels: { "hangar.dev/watch-test": group } };
  return pod;
};

describe("watchPods", () => {
  it("reports existing pods, their changes and their deletion, across watch restarts", async () => {
    await ns.core.createNamespacedPod({ namespace: ns.name, body: labelled("before", "a") });
    await ns.core.createNamespacedPod({ namespace: ns.name, body: labelled("other", "b") });
    const events: PodEvent[] = [];
    const errors: unknown[] = [];
    const watching = await watchPods(
      ns.kubeConfig,
      { namespace: ns.name, labelSelector: "hangar.dev/watch-test=a", watchTimeoutSeconds: 1 },
      { onEvent: (event) => events.push(event), onError: (error) => errors.push(error) },
    );
    try {
      const seen = (type: string, name: string, check: (e: PodEvent) => boolean = () => true) =>
        eventually(`${type} ${name}`, () =>
          Promise.resolve(
            events.find((e) => e.type === type && e.pod.metadata?.name === name && check(e)),
          ),
        );
      // Pods present before the watch come from its first list, before it returns.
      expect(events.map((e) => [e.type, e.pod.metadata?.name])).toEqual([["ADDED", "before"]]);

      await ns.core.createNamespacedPod({ namespace: ns.name, body: labelled("after", "a") });
      await seen("ADDED", "after");
      await seen("MODIFIED", "after", (e) => e.pod.status?.phase === "Running");

      await ns.core.deleteNamespacedPod({
        name: "before",
        namespace: ns.name,
        gracePeriodSeconds: 0,
      });
      await seen("DELETED", "before");
      // Several one-second watches have ended and been resumed by now.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(events.some((e) => e.pod.metadata?.name === "other")).toBe(false);
      expect(events.filter((e) => e.type === "DELETED").map((e) => e.pod.metadata?.name)).toEqual([
        "before",
      ]);
      expect(errors).toEqual([]);
    } finally {
      await watching.stop();
    }
  });
});
