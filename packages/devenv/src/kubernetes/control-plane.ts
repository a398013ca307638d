import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { daemon, isAlive, readPid, stopPidFile, tail, waitFor } from "../process.js";
import type { Ports } from "../layout.js";
import type { LocalService } from "../service.js";
import { apiRequest, healthz } from "./api-client.js";
import { resolveControlPlaneBinaries, type ControlPlaneBinaries } from "./binaries.js";
import { ensureCredentials, type ClusterCredentials } from "./credentials.js";
import { fakeNodes, KWOK_ANNOTATION, nodeObject } from "./nodes.js";

const kwokStages = fileURLToPath(new URL("./kwok-stages.yaml", import.meta.url));

export interface ControlPlaneOptions {
  dir: string;
  ports: Pick<
    Ports,
    "etcdClient" | "etcdPeer" | "apiserver" | "controllerManager" | "scheduler" | "kwok"
  >;
  /** Throw the etcd data away on every start (tests). */
  throwaway: boolean;
}

type Component = "etcd" | "kube-apiserver" | "kube-controller-manager" | "kube-scheduler" | "kwok";
const startOrder: readonly Component[] = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
];

/**
 * A real Kubernetes control plane on loopback: etcd, kube-apiserver,
 * kube-controller-manager (garbage collection, namespaces, service accounts)
 * and kube-scheduler, with kwok acting as the kubelet of a few fake nodes.
 */
export function createControlPlane(options: ControlPlaneOptions): LocalService & {
  credentials(): ClusterCredentials;
} {
  const { ports } = options;
  const files = (c: Component): { log: string; pid: string } => ({
    log: join(options.dir, `${c}.log`),
    pid: join(options.dir, `${c}.pid`),
  });
  let bins: ControlPlaneBinaries | undefined;
  // Created on first use, then reused: every API call needs the token.
  let credentials: ClusterCredentials | undefined;
  const creds = (): ClusterCredentials =>
    (credentials ??= ensureCredentials(join(options.dir, "pki"), ports.apiserver));
  const api = () => ({ port: ports.apiserver, token: creds().token, caFile: creds().caFile });

  const apiserverReady = async (): Promise<boolean> =>
    (await apiRequest(api(), "GET", "/readyz").catch(() => ({ status: 0 }))).status === 200;

  const healthy: Record<Component, () => Promise<boolean>> = {
    etcd: () => healthz(ports.etcdClient, "/health", false),
    "kube-apiserver": apiserverReady,
    "kube-controller-manager": () => healthz(ports.controllerManager),
    "kube-scheduler": () => healthz(ports.scheduler),
    kwok: () => healthz(ports.kwok, "/healthz", false),
  };

  const args = (
    c: Component,
    b: ControlPlaneBinaries,
    cr: ClusterCredentials,
  ): [string, string[]] => {
    const common = [
      `--kubeconfig=${cr.kubeconfig}`,
      `--authentication-kubeconfig=${cr.kubeconfig}`,
      `--authorization-kubeconfig=${cr.kubeconfig}`,
      "--leader-elect=false",
      "--bind-address=127.0.0.1",
    ];
    switch (c) {
      case "etcd": {
        const client = `http://127.0.0.1:${ports.etcdClient}`;
        const peer = `http://127.0.0.1:${ports.etcdPeer}`;
        return [
          b.etcd,
          [
            "--name=hangar",
            `--data-dir=${join(options.dir, "etcd")}`,
            `--listen-client-urls=${client}`,
            `--advertise-client-urls=${client}`,
            `--listen-peer-urls=${peer}`,
            `--initial-advertise-peer-urls=${peer}`,
            `--initial-cluster=hangar=${peer}`,
            "--log-level=warn",
            ...(options.throwaway ? ["--unsafe-no-fsync"] : []),
          ],
        ];
      }
      case "kube-apiserver":
        return [
          b.apiserver,
          [
            `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
            `--cert-dir=${cr.certDir}`,
            `--secure-port=${ports.apiserver}`,
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            "--authorization-mode=Node,RBAC",
            `--token-auth-file=${cr.tokenFile}`,
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${cr.serviceAccountKeyFile}`,
            `--service-account-signing-key-file=${cr.serviceAccountKeyFile}`,
            "--service-cluster-ip-range=10.96.0.0/16",
            "--enable-priority-and-fairness=false",
            // Loopback addresses may not back the `kubernetes` Service; nothing in-cluster needs it.
            "--endpoint-reconciler-type=none",
            "--v=0",
          ],
        ];
      case "kube-controller-manager":
        return [
          b.controllerManager,
          [
            ...common,
            `--secure-port=${ports.controllerManager}`,
            `--service-account-private-key-file=${cr.serviceAccountKeyFile}`,
            `--root-ca-file=${cr.caFile}`,
            "--use-service-account-credentials=false",
            "--concurrent-gc-syncs=10",
            "--v=0",
          ],
        ];
      case "kube-scheduler":
        return [b.scheduler, [...common, `--secure-port=${ports.scheduler}`, "--v=0"]];
      case "kwok":
        return [
          b.kwok,
          [
            `--kubeconfig=${cr.kubeconfig}`,
            `--config=${kwokStages}`,
            "--node-lease-duration-seconds=40",
            "--manage-all-nodes=false",
            `--manage-nodes-with-annotation-selector=${KWOK_ANNOTATION}=fake`,
            `--server-address=127.0.0.1:${ports.kwok}`,
            "--cidr=10.244.0.0/16",
            "--node-ip=10.0.0.10",
          ],
        ];
    }
  };

  const stopAll = async (): Promise<void> => {
    for (const c of [...startOrder].reverse()) await stopPidFile(files(c).pid);
  };

  const ensureNodes = async (): Promise<void> => {
    for (const spec of fakeNodes) {
      const res = await apiRequest(api(), "POST", "/api/v1/nodes", nodeObject(spec));
      if (res.status !== 201 && res.status !== 409) {
        throw new Error(`creating node ${spec.name}: HTTP ${res.status} ${res.body}`);
      }
    }
  };

  const nodesReady = async (): Promise<boolean> => {
    const res = await apiRequest(api(), "GET", "/api/v1/nodes");
    if (res.status !== 200) return false;
    const list = JSON.parse(res.body) as {
      items: { status?: { conditions?: { type: string; status: string }[] } }[];
    };
    const ready = list.items.filter((n) =>
      n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"),
    );
    return ready.length >= fakeNodes.length;
  };

  // Pods cannot be created in a namespace until its `default` ServiceAccount exists.
  const serviceAccountsReady = async (): Promise<boolean> =>
    (await apiRequest(api(), "GET", "/api/v1/namespaces/default/serviceaccounts/default"))
      .status === 200;

  return {
    name: "kubernetes",
    credentials: creds,

    async prepare() {
      bins = await resolveControlPlaneBinaries();
    },

    async isRunning() {
      for (const c of startOrder) {
        const pid = readPid(files(c).pid);
        if (pid === undefined || !isAlive(pid)) return false;
      }
      return (await apiserverReady()) && (await healthy.kwok());
    },

    async start() {
      if (!bins) throw new Error("kubernetes: prepare() first");
      await stopAll();
      if (options.throwaway) rmSync(join(options.dir, "etcd"), { recursive: true, force: true });
      mkdirSync(options.dir, { recursive: true });
      const cr = creds();
      for (const c of startOrder) {
        const [command, argv] = args(c, bins, cr);
        const pid = daemon(command, argv, files(c));
        // The apiserver must be ready before its clients start; the rest start in parallel.
        if (c === "etcd" || c === "kube-apiserver") {
          await waitFor(
            `${c} to become healthy`,
            async () => isAlive(pid) && (await healthy[c]()),
            {
              timeoutMs: 180_000,
              intervalMs: 250,
              describe: () => tail(files(c).log),
            },
          );
        }
      }
      for (const c of ["kube-controller-manager", "kube-scheduler", "kwok"] as const) {
        await waitFor(`${c} to become healthy`, healthy[c], {
          timeoutMs: 120_000,
          intervalMs: 250,
          describe: () => tail(files(c).log),
        });
      }
      await ensureNodes();
      await waitFor("kwok nodes to become Ready", nodesReady, {
        timeoutMs: 60_000,
        intervalMs: 250,
      });
      await waitFor("the default ServiceAccount", serviceAccountsReady, {
        timeoutMs: 60_000,
        intervalMs: 250,
        describe: () => tail(files("kube-controller-manager").log),
      });
    },

    stop: stopAll,
  };
}
