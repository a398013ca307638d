import { createHash } from "node:crypto";
import { cpSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { onPath, resolveTool, type ToolRecipe } from "../binaries.js";
import { run } from "../process.js";

export const KUBERNETES_VERSION = "1.36.3";
export const ETCD_VERSION = "3.7.3";
export const KWOK_VERSION = "0.8.0";

/** Go modules (go.mod + go.sum pinned in the repo) that the control plane is built from. */
const goModules = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "go");

function moduleHash(module: string): string {
  const hash = createHash("sha256");
  for (const file of ["go.mod", "go.sum"]) hash.update(readFileSync(join(goModules, module, file)));
  return hash.digest("hex").slice(0, 12);
}

const goEnv = (): NodeJS.ProcessEnv => ({
  ...process.env,
  CGO_ENABLED: "0",
  GOFLAGS: "-mod=mod -buildvcs=false",
});

function requireGo(): void {
  if (!onPath("go")) {
    throw new Error(
      "Building the local Kubernetes control plane needs the Go toolchain (1.26 or newer) on PATH. " +
        "Install Go, or point HANGAR_ETCD_BIN, HANGAR_KUBE_APISERVER_BIN, HANGAR_KUBE_CONTROLLER_MANAGER_BIN, " +
        "HANGAR_KUBE_SCHEDULER_BIN and HANGAR_KWOK_BIN at prebuilt binaries.",
    );
  }
}

async function goBuild(
  module: string,
  outDir: string,
  packages: string[],
  ldflags = "",
): Promise<void> {
  requireGo();
  const src = join(outDir, "src");
  cpSync(join(goModules, module), src, { recursive: true });
  await run(
    "go",
    [
      "build",
      "-trimpath",
      "-ldflags",
      `-s -w ${ldflags}`,
      "-o",
      join(outDir, "bin") + "/",
      ...packages,
    ],
    {
      cwd: src,
      env: goEnv(),
    },
  );
}

const kubeLdflags = [
  `-X k8s.io/component-base/version.gitVersion=v${KUBERNETES_VERSION}`,
  `-X k8s.io/component-base/version.gitMajor=${KUBERNETES_VERSION.split(".")[0] ?? ""}`,
  `-X k8s.io/component-base/version.gitMinor=${KUBERNETES_VERSION.split(".")[1] ?? ""}`,
].join(" ");

const kubeComponents = ["kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;
export type KubeComponent = (typeof kubeComponents)[number];

/** The three components build together (one compile of the shared packages). */
function kubeRecipe(component: KubeComponent): ToolRecipe {
  return {
    name: "kubernetes",
    envVar: `HANGAR_${component.replaceAll("-", "_").toUpperCase()}_BIN`,
    version: `${KUBERNETES_VERSION}-${moduleHash("kubernetes")}`,
    acceptFromPath: false,
    executableIn: (dir) => join(dir, "bin", component),
    async build(outDir) {
      await goBuild(
        "kubernetes",
        outDir,
        kubeComponents.map((c) => `k8s.io/kubernetes/cmd/${c}`),
        kubeLdflags,
      );
      return join(outDir, "bin", component);
    },
  };
}

const etcdRecipe: ToolRecipe = {
  name: "etcd",
  envVar: "HANGAR_ETCD_BIN",
  version: `${ETCD_VERSION}-${moduleHash("etcd")}`,
  // Debian's etcd 3.4 is too old for current Kubernetes.
  acceptFromPath: false,
  executableIn: (dir) => join(dir, "bin", "etcd"),
  async build(outDir) {
    await goBuild("etcd", outDir, ["."]);
    return join(outDir, "bin", "etcd");
  },
};

const kwokRecipe: ToolRecipe = {
  name: "kwok",
  envVar: "HANGAR_KWOK_BIN",
  version: KWOK_VERSION,
  acceptFromPath: false,
  executableIn: (dir) => join(dir, "bin", "kwok"),
  async build(outDir) {
    requireGo();
    await run("go", ["install", `sigs.k8s.io/kwok/cmd/kwok@v${KWOK_VERSION}`], {
      env: { ...goEnv(), GOFLAGS: "-buildvcs=false", GOBIN: join(outDir, "bin") },
    });
    return join(outDir, "bin", "kwok");
  },
};

export interface ControlPlaneBinaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kwok: string;
}

export async function resolveControlPlaneBinaries(): Promise<ControlPlaneBinaries> {
  // Sequential on purpose: each build already uses every core.
  const etcd = await resolveTool(etcdRecipe);
  const apiserver = await resolveTool(kubeRecipe("kube-apiserver"));
  const controllerManager = await resolveTool(kubeRecipe("kube-controller-manager"));
  const scheduler = await resolveTool(kubeRecipe("kube-scheduler"));
  const kwok = await resolveTool(kwokRecipe);
  return { etcd, apiserver, controllerManager, scheduler, kwok };
}
