import type { V1ConfigMap, V1Pod } from "@kubernetes/client-node";
import { testNamespace, type TestNamespace } from "@hangar/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCluster, KubernetesApiError, type KubernetesCluster } from "./cluster.js";

// The adapter against the local API server: the outcomes callers rely on
// (created/exists, deleted/absent, null for missing) and errors that carry the
// API's reason without the client's dump of bodies and headers.

let ns: TestNamespace;
let cluster: KubernetesCluster;

beforeAll(async () => {
  ns = await testNamespace();
  cluster = createCluster(ns.kubeConfig);
});

afterAll(async () => {
  await ns.close();
});

const configMap = (name: string, data: Record<string, string>): V1ConfigMap => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: ns.name, labels: { "hangar.dev/test-object": "yes" } },
  data,
});

describe("apply", () => {
  it("creates, converges, and takes fields back from another manager", async () => {
    const created = await cluster.apply(configMap("applied", { a: "1" }));
    expect(created.data).toEqual({ a: "1" });
    const uid = created.metadata?.uid;

    // Someone else edits the object; the next apply restores Hangar's intent in place.
    await ns.core.patchNamespacedConfigMap({
      name: "applied",
      namespace: ns.name,
      body: [{ op: "replace", path: "/data/a", value: "edited" }],
    });
    const converged = await cluster.apply(configMap("applied", { a: "1", b: "2" }));
    expect(converged.data).toEqual({ a: "1", b: "2" });
    expect(converged.metadata?.uid).toBe(uid);
    const managers = converged.metadata?.managedFields?.map((f) => f.manager);
    expect(managers).toContain("hangar");

    // Fields Hangar no longer applies are removed: apply is declarative.
    const shrunk = await cluster.apply(configMap("applied", { b: "2" }));
    expect(shrunk.data).toEqual({ b: "2" });
  });

  it("describes a refused object by the API's reason only", async () => {
    const error = await cluster
      .apply(configMap("refused", { "not a valid key": "1" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KubernetesApiError);
    const apiError = error as KubernetesApiError;
    expect(apiError.code).toBe(422);
    expect(apiError.reason).toBe("Invalid");
    expect(apiError.message).toMatch(/^apply ConfigMap test-[^/]+\/refused: HTTP 422 Invalid: /);
    expect(apiError.message).not.toMatch(/Headers|Body:/);
  });
});

describe("create", () => {
  it("creates once and reports the existing object afterwards", async () => {
    const first = await cluster.create(configMap("created", { v: "first" }));
    expect(first.result).toBe("created");
    const second = await cluster.create(configMap("created", { v: "second" }));
    expect(second.result).toBe("exists");
    expect(second.object.data).toEqual({ v: "first" });
    expect(second.object.metadata?.uid).toBe(first.object.metadata?.uid);
  });
});

describe("delete", () => {
  it("is idempotent, and with a uid deletes only that incarnation", async () => {
    const old = await cluster.create(configMap("incarnations", { v: "1" }));
    const oldUid = old.object.metadata!.uid!;
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: ns.name, name: "incarnations" };
    expect(await cluster.delete(ref, { uid: oldUid })).toBe("deleted");
    expect(await cluster.delete(ref)).toBe("absent");

    const reborn = await cluster.create(configMap("incarnations", { v: "2" }));
    // A late delete meant for the old object must not remove its successor.
    expect(await cluster.delete(ref, { uid: oldUid })).toBe("absent");
    const list = await cluster.list<V1ConfigMap>("v1", "ConfigMap", {
      namespace: ns.name,
      labelSelector: "hangar.dev/test-object=yes",
    });
    const survivor = list.find((c) => c.metadata?.name === "incarnations");
    expect(survivor?.metadata?.uid).toBe(reborn.object.metadata?.uid);
    expect(survivor?.kind).toBe("ConfigMap");
  });
});

describe("reads", () => {
  it("returns null for a missing pod or namespace, and lists pods by label", async () => {
    expect(await cluster.readPod(ns.name, "no-such-pod")).toBeNull();
    expect(await cluster.readNamespace(`${ns.name}-missing`)).toBeNull();
    expect((await cluster.readNamespace(ns.name))?.metadata?.name).toBe(ns.name);

    const pod: V1Pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "listed", namespace: ns.name, labels: { "hangar.dev/test-object": "pod" } },
      spec: { containers: [{ name: "c", image: "busybox" }] },
    };
    await cluster.create(pod);
    const mine = await cluster.listPods({
      namespace: ns.name,
      labelSelector: "hangar.dev/test-object=pod",
    });
    expect(mine.map((p) => p.metadata?.name)).toEqual(["listed"]);
    const everywhere = await cluster.listPods({ labelSelector: `hangar.dev/test-object=pod` });
    expect(everywhere.some((p) => p.metadata?.namespace === ns.name)).toBe(true);
    expect((await cluster.readPod(ns.name, "listed"))?.metadata?.name).toBe("listed");
  });

  it("pages through long lists", async () => {
    for (let i = 0; i < 7; i++) await cluster.apply(configMap(`paged-${i}`, { i: String(i) }));
    const paging = createCluster(ns.kubeConfig, { listPageSize: 2 });
    const all = await paging.list<V1ConfigMap>("v1", "ConfigMap", {
      namespace: ns.name,
      labelSelector: "hangar.dev/test-object=yes",
    });
    expect(all.filter((c) => c.metadata?.name?.startsWith("paged-"))).toHaveLength(7);
  });
});
