import type { V1Pod } from "@kubernetes/client-node";
import { eventually, testNamespace, uniqueSuffix, type TestNamespace } from "@hangar/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitRunnerPod } from "./pod-exit.js";
import { watchRunnerPods, type RunnerPodGoneReason, type RunnerPodRef } from "./pod-watcher.js";

// Runs against the real local control plane: kube-scheduler places the pods
// and kwok makes them Running and, when annotated, makes them exit.
describe("runner pods on a real cluster", () => {
  const scope = `runner-side-${uniqueSuffix()}`;
  let ns: TestNamespace;
  let watcher: { stop(): Promise<void> };
  const running: RunnerPodRef[] = [];
  const gone: { pod: RunnerPodRef; reason: RunnerPodGoneReason }[] = [];
  const errors: unknown[] = [];

  beforeAll(async () => {
    // Other test files create runner-like pods at the same time; the label
    // keeps this watcher to this file's namespace.
    ns = await testNamespace({ "hangar.dev/runner-side-test": scope });
    watcher = await watchRunnerPods(
      ns.kubeConfig,
      {
        onRunning: (pod) => running.push(pod),
        onGone: (pod, reason) => gone.push({ pod, reason }),
        onError: (error) => errors.push(error),
      },
      { namespaceLabelSelector: `hangar.dev/runner-side-test=${scope}` },
    );
  });
  afterAll(async () => {
    await watcher.stop();
    await ns.close();
  });

  type Env = NonNullable<NonNullable<V1Pod["spec"]>["containers"][number]["env"]>;
  const createPod = (name: string, env: Env) =>
    ns.core.createNamespacedPod({
      namespace: ns.name,
      body: {
        metadata: { name },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          containers: [{ name: "runner", image: "ghcr.io/actions/actions-runner:latest", env }],
        },
      },
    });
  const fromSecret = (name: string): Env => [
    {
      name: "ACTIONS_RUNNER_INPUT_JITCONFIG",
      valueFrom: { secretKeyRef: { name: `${name}-jit`, key: "jitconfig" } },
    },
  ];
  const createSecret = (name: string, config: string) =>
    ns.core.createNamespacedSecret({
      namespace: ns.name,
      body: { metadata: { name: `${name}-jit` }, stringData: { jitconfig: config } },
    });
  const runningPod = (podName: string) =>
    eventually(`onRunning for ${podName}`, () =>
      Promise.resolve(running.find((p) => p.podName === podName)),
    );
  const goneReason = (podName: string) =>
    eventually(`onGone for ${podName}`, () =>
      Promise.resolve(gone.find((g) => g.pod.podName === podName)?.reason),
    );
  const phase = async (podName: string) =>
    (await ns.core.readNamespacedPod({ name: podName, namespace: ns.name })).status?.phase;

  it("reports a Running pod with the config from its Secret, even one created after the pod", async () => {
    await createPod("runner-a", fromSecret("runner-a"));
    // kwok (unlike a kubelet) starts the pod without its Secret, so the
    // watcher must wait for a Secret that appears after the pod is Running.
    await eventually("pod Running", async () =>
      (await phase("runner-a")) === "Running" ? true : undefined,
    );
    await createSecret("runner-a", "eyJqaXQiOiJhIn0=");
    const pod = await runningPod("runner-a");
    expect(pod).toMatchObject({ namespace: ns.name, encodedJitConfig: "eyJqaXQiOiJhIn0=" });
    expect(pod.uid).toMatch(/^[0-9a-f-]{36}$/);

    await exitRunnerPod(ns.kubeConfig, { namespace: ns.name, podName: "runner-a" }, 0);
    await eventually("pod Succeeded", async () =>
      (await phase("runner-a")) === "Succeeded" ? true : undefined,
    );
    expect(await goneReason("runner-a")).toBe("succeeded");
  });

  it("reads a literal env value, and reports a non-zero exit as failed", async () => {
    await createPod("runner-b", [{ name: "ACTIONS_RUNNER_INPUT_JITCONFIG", value: "literal" }]);
    expect((await runningPod("runner-b")).encodedJitConfig).toBe("literal");
    await exitRunnerPod(ns.kubeConfig, { namespace: ns.name, podName: "runner-b" }, 3);
    expect(await goneReason("runner-b")).toBe("failed");
    expect(await phase("runner-b")).toBe("Failed");
  });

  it("reports a deleted pod once, and ignores pods without a JIT config", async () => {
    await createPod("not-a-runner", [{ name: "OTHER", value: "x" }]);
    await createSecret("runner-c", "c-config");
    await createPod("runner-c", fromSecret("runner-c"));
    await runningPod("runner-c");
    await ns.core.deleteNamespacedPod({ name: "runner-c", namespace: ns.name });
    expect(await goneReason("runner-c")).toBe("deleted");

    expect(await phase("not-a-runner")).toBe("Running");
    expect(running.map((p) => p.podName)).not.toContain("not-a-runner");
    expect(running.filter((p) => p.podName === "runner-c")).toHaveLength(1);
    expect(gone.filter((g) => g.pod.podName === "runner-c")).toHaveLength(1);
  });

  it("reports pods already Running at start, and keeps watching across watch restarts", async () => {
    await createPod("runner-e", [{ name: "ACTIONS_RUNNER_INPUT_JITCONFIG", value: "e" }]);
    await runningPod("runner-e");
    const late: RunnerPodRef[] = [];
    const second = await watchRunnerPods(
      ns.kubeConfig,
      { onRunning: (pod) => late.push(pod), onGone: () => undefined },
      { namespaceLabelSelector: `hangar.dev/runner-side-test=${scope}`, watchTimeoutSeconds: 1 },
    );
    try {
      await eventually("existing pod reported", () =>
        Promise.resolve(late.find((p) => p.podName === "runner-e")),
      );
      // Let the server end the watch a few times, so runner-d arrives on a re-watch.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      await createPod("runner-d", [{ name: "ACTIONS_RUNNER_INPUT_JITCONFIG", value: "d" }]);
      await eventually("new pod reported", () =>
        Promise.resolve(late.find((p) => p.podName === "runner-d")),
      );
    } finally {
      await second.stop();
    }
    // Finished pods (runner-a, runner-b) are not reported as running again.
    expect(late.map((p) => p.podName).sort()).toEqual(["runner-d", "runner-e"]);
    expect(new Set(running.map((p) => p.uid)).size).toBe(running.length);
    expect(errors).toEqual([]);
  });

  it("treats exiting a pod that is already gone as done", async () => {
    await expect(
      exitRunnerPod(ns.kubeConfig, { namespace: ns.name, podName: "no-such-pod" }, 0),
    ).resolves.toBeUndefined();
  });

  it("keeps trying a Running pod whose Secret comes after the first read gave up", async () => {
    await createPod("runner-late", fromSecret("runner-late"));
    await eventually("pod Running", async () =>
      (await phase("runner-late")) === "Running" ? true : undefined,
    );
    // The read waits a few seconds for a missing Secret, then gives up; a later
    // event of the pod may never come (it is Running already), so the watcher must
    // try again on its own, not at the next re-list minutes later.
    const firstFailure = errors.length;
    await eventually("the first read to give up", () =>
      Promise.resolve(
        errors.slice(firstFailure).some((error) => String(error).includes("runner-late-jit")) ||
          undefined,
      ),
    );
    await createSecret("runner-late", "eyJqaXQiOiJsYXRlIn0=");
    const pod = await runningPod("runner-late");
    expect(pod.encodedJitConfig).toBe("eyJqaXQiOiJsYXRlIn0=");
  });
});
