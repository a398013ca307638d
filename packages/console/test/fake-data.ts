import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { RunnerSchema, type Runner } from "@hangar/api/runner_pb.js";
import { RunnerOfferingSchema, type RunnerOffering } from "@hangar/api/offering_pb.js";
import { RunnerInstallationSchema, type RunnerInstallation } from "@hangar/api/installation_pb.js";
import {
  InstallationRepositorySchema,
  type InstallationRepository,
} from "@hangar/api/installation_service_pb.js";
import {
  ApiTokenSchema,
  AuditEventSchema,
  MemberSchema,
  WorkspaceSchema,
  type ApiToken,
  type AuditEvent,
  type Member,
  type Workspace,
} from "@hangar/api/workspace_service_pb.js";
import {
  RegistryCredentialSchema,
  type RegistryCredential,
} from "@hangar/api/registry_credential_service_pb.js";

// The state behind the fake API: two workspaces, a realistic hour of jobs, and two
// tokens (an admin of both workspaces and a viewer of one). Seeded from a fixed
// clock and a fixed pseudo-random sequence so every run sees the same data.

export const ADMIN_TOKEN = "hgr_admin_0123456789abcdef";
export const VIEWER_TOKEN = "hgr_viewer_0123456789abcdef";

export type FakeJob = {
  id: bigint;
  runId: bigint;
  workspaceId: string;
  repository: string;
  name: string;
  workflowName: string;
  headBranch: string;
  headSha: string;
  labels: string[];
  status: "queued" | "in_progress" | "completed";
  conclusion: string;
  runnerId: string;
  runnerName: string;
  createMs: number;
  readyMs?: number;
  startMs?: number;
  completeMs?: number;
};

export type FakeState = {
  workspaces: Workspace[];
  roles: Map<string, Map<string, string>>;
  offerings: RunnerOffering[];
  runners: Runner[];
  installations: RunnerInstallation[];
  repositories: Map<bigint, InstallationRepository[]>;
  credentials: RegistryCredential[];
  members: Member[];
  tokens: ApiToken[];
  audit: AuditEvent[];
  jobs: FakeJob[];
  /** Every UpdateRunner call's runner and mask, for tests to check what was sent. */
  updates: { runnerId: string; updateMask: string[] }[];
  nextId: () => number;
};

function pick<T>(list: readonly T[], index: number): T {
  const item = list[index % list.length];
  if (item === undefined) throw new Error("pick() from an empty list");
  return item;
}

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const offering = (o: MessageInitShape<typeof RunnerOfferingSchema>): RunnerOffering =>
  create(RunnerOfferingSchema, {
    imageRepository: "ghcr.io/actions/actions-runner",
    imageTag: "2.330.0",
    arch: "amd64",
    isAutoscale: true,
    currency: "USD",
    ...o,
  });

export function seed(now: number): FakeState {
  let counter = 1000;
  const nextId = (): number => (counter += 1);
  const rand = random(7);
  const ts = timestampFromMs;
  const workspace = (id: string, slug: string, name: string): Workspace =>
    create(WorkspaceSchema, {
      id,
      slug,
      name,
      namespace: `hangar-${slug}`,
      plan: "team",
      maxCpuMillis: 64_000,
      maxMemoryMib: 262_144,
      maxGpus: 2,
      maxRunners: 50,
      createTime: ts(now - 30 * 86_400_000),
    });
  const runner = (
    r: MessageInitShape<typeof RunnerSchema> & { id: string; name: string; workspaceId: string },
  ): Runner =>
    create(RunnerSchema, {
      namespace: `hangar-${r.workspaceId.replace("ws-", "")}`,
      status: "active",
      cpu: "2",
      memory: "8Gi",
      minIdle: 1,
      maxRunners: 10,
      installationId: 4242n,
      projectId: `${r.workspaceId}-default`,
      createTime: ts(now - 7 * 86_400_000),
      updateTime: ts(now - 86_400_000),
      ...r,
    });

  const runners = [
    runner({
      id: "rn-small",
      name: "hangar-small",
      workspaceId: "ws-acme",
      runnerOfferingId: "linux-x64-2cpu",
      labels: ["linux"],
    }),
    runner({
      id: "rn-4cpu",
      name: "hangar-4cpu",
      workspaceId: "ws-acme",
      runnerOfferingId: "linux-x64-4cpu",
      cpu: "4",
      memory: "16Gi",
      minIdle: 0,
      maxRunners: 20,
    }),
    runner({
      id: "rn-gpu",
      name: "acme-gpu",
      workspaceId: "ws-acme",
      isCustom: true,
      image: "ghcr.io/acme/gpu-runner:3.1",
      cpu: "8",
      memory: "32Gi",
      status: "suspended",
      statusMessage: "suspended by admin@acme.test",
      registryCredentialId: "cred-ghcr",
      minIdle: 0,
      maxRunners: 2,
    }),
    runner({
      id: "rn-globex",
      name: "globex-builder",
      workspaceId: "ws-globex",
      runnerOfferingId: "linux-x64-4cpu",
      installationId: 5151n,
    }),
  ];

  const repos = ["acme/web", "acme/api", "acme/infra"];
  const jobs: FakeJob[] = [];
  // An hour of finished jobs on the two active runners, newest last.
  for (let i = 0; i < 48; i += 1) {
    const r = pick(runners, i % 3 === 0 ? 1 : 0);
    const createMs = now - 60 * 60_000 + i * 75_000;
    const queue = Math.round(2_000 + rand() * (i % 5 === 0 ? 40_000 : 9_000));
    const run = Math.round(30_000 + rand() * 240_000);
    const startMs = createMs + queue;
    const completeMs = Math.min(startMs + run, now - 5_000);
    const roll = rand();
    jobs.push({
      id: 90_000_000n + BigInt(i),
      runId: 7_000_000n + BigInt(Math.floor(i / 3)),
      workspaceId: "ws-acme",
      repository: pick(repos, i),
      name: pick(["build", "test", "lint"], i),
      workflowName: "CI",
      headBranch: i % 4 === 0 ? "main" : `feature-${i}`,
      headSha: (0x1a2b3c4dn * BigInt(i + 1)).toString(16).padEnd(40, "0").slice(0, 40),
      labels: ["self-hosted", r.name],
      status: "completed",
      conclusion: roll < 0.8 ? "success" : roll < 0.93 ? "failure" : "cancelled",
      runnerId: r.id,
      runnerName: `${r.name}-${(i * 7919).toString(16).padStart(12, "0")}`,
      createMs,
      readyMs: startMs - 1_500,
      startMs,
      completeMs,
    });
  }
  jobs.push({
    id: 91_000_000n,
    runId: 7_100_000n,
    workspaceId: "ws-globex",
    repository: "globex/rockets",
    name: "build",
    workflowName: "Release",
    headBranch: "main",
    headSha: "f".repeat(40),
    labels: ["self-hosted", "globex-builder"],
    status: "completed",
    conclusion: "success",
    runnerId: "rn-globex",
    runnerName: "globex-builder-000000000001",
    createMs: now - 20 * 60_000,
    readyMs: now - 19 * 60_000,
    startMs: now - 19 * 60_000,
    completeMs: now - 15 * 60_000,
  });

  const member = (
    workspaceId: string,
    userId: string,
    email: string,
    name: string,
    role: string,
  ): Member =>
    create(MemberSchema, {
      workspaceId,
      userId,
      email,
      displayName: name,
      role,
      createTime: ts(now - 20 * 86_400_000),
    });
  return {
    workspaces: [
      workspace("ws-acme", "acme", "Acme Corp"),
      workspace("ws-globex", "globex", "Globex"),
    ],
    roles: new Map([
      [
        ADMIN_TOKEN,
        new Map([
          ["ws-acme", "admin"],
          ["ws-globex", "owner"],
        ]),
      ],
      [VIEWER_TOKEN, new Map([["ws-acme", "viewer"]])],
    ]),
    offerings: [
      offering({
        id: "linux-x64-2cpu",
        name: "hangar-2cpu",
        cpu: "2",
        memory: "8Gi",
        pricePerMinute: "0.004",
      }),
      offering({
        id: "linux-x64-4cpu",
        name: "hangar-4cpu",
        cpu: "4",
        memory: "16Gi",
        pricePerMinute: "0.008",
      }),
      offering({
        id: "linux-arm64-4cpu",
        name: "hangar-arm-4cpu",
        cpu: "4",
        memory: "16Gi",
        arch: "arm64",
        spot: true,
        pricePerMinute: "0.003",
      }),
      offering({
        id: "linux-x64-1cpu-old",
        name: "hangar-1cpu",
        cpu: "1",
        memory: "4Gi",
        pricePerMinute: "0.002",
        retired: true,
      }),
    ],
    runners,
    installations: [
      create(RunnerInstallationSchema, {
        installationId: 4242n,
        workspaceId: "ws-acme",
        state: "active",
        githubAccountType: "Organization",
        isServiceEnabled: true,
        accountLogin: "acme",
        accountId: 1001n,
        repositorySelection: "all",
        createTime: ts(now - 25 * 86_400_000),
      }),
      create(RunnerInstallationSchema, {
        installationId: 5151n,
        workspaceId: "ws-globex",
        state: "active",
        githubAccountType: "Organization",
        isServiceEnabled: true,
        accountLogin: "globex",
        accountId: 2002n,
        repositorySelection: "selected",
        createTime: ts(now - 25 * 86_400_000),
      }),
    ],
    repositories: new Map([
      [
        4242n,
        [
          create(InstallationRepositorySchema, {
            repositoryId: 1n,
            fullName: "acme/web",
            private: false,
            runsOn: [{ labels: ["self-hosted", "hangar-small"] }, { labels: ["hangar-4cpu"] }],
          }),
          create(InstallationRepositorySchema, {
            repositoryId: 2n,
            fullName: "acme/api",
            private: true,
            runsOn: [{ labels: ["hangar-small", "linux"] }, { labels: ["hangar-8cpu"] }],
          }),
          create(InstallationRepositorySchema, {
            repositoryId: 3n,
            fullName: "acme/infra",
            private: true,
            runsOn: [],
          }),
        ],
      ],
      [
        5151n,
        [
          create(InstallationRepositorySchema, {
            repositoryId: 9n,
            fullName: "globex/rockets",
            private: true,
            runsOn: [{ labels: ["globex-builder"] }],
          }),
        ],
      ],
    ]),
    credentials: [
      create(RegistryCredentialSchema, {
        id: "cred-ghcr",
        workspaceId: "ws-acme",
        name: "ghcr-acme",
        kind: "basic",
        registryHost: "ghcr.io",
        createTime: ts(now - 10 * 86_400_000),
      }),
    ],
    members: [
      member("ws-acme", "u-ada", "ada@acme.test", "Ada Admin", "admin"),
      member("ws-acme", "u-owen", "owen@acme.test", "Owen Owner", "owner"),
      member("ws-acme", "u-vic", "vic@acme.test", "Vic Viewer", "viewer"),
      member("ws-globex", "u-ada", "ada@acme.test", "Ada Admin", "owner"),
    ],
    tokens: [
      create(ApiTokenSchema, {
        id: "tok-admin",
        workspaceId: "ws-acme",
        name: "ada-laptop",
        prefix: ADMIN_TOKEN.slice(0, 8),
        role: "admin",
        createTime: ts(now - 5 * 86_400_000),
        lastUseTime: ts(now - 60_000),
        createdBy: "user:u-ada",
      }),
      create(ApiTokenSchema, {
        id: "tok-viewer",
        workspaceId: "ws-acme",
        name: "dashboard-tv",
        prefix: VIEWER_TOKEN.slice(0, 8),
        role: "viewer",
        createTime: ts(now - 3 * 86_400_000),
        createdBy: "user:u-ada",
      }),
      create(ApiTokenSchema, {
        id: "tok-old",
        workspaceId: "ws-acme",
        name: "old-ci",
        prefix: "hgr_9zq1",
        role: "member",
        createTime: ts(now - 40 * 86_400_000),
        revokeTime: ts(now - 2 * 86_400_000),
        createdBy: "user:u-owen",
      }),
    ],
    audit: [
      create(AuditEventSchema, {
        id: 1n,
        time: ts(now - 86_400_000),
        actor: "user:u-ada",
        workspaceId: "ws-acme",
        objectType: "runner",
        objectId: "rn-gpu",
        action: "suspend",
        beforeJson: '{"status":"active"}',
        afterJson: '{"status":"suspended"}',
        requestId: "req-1",
      }),
      create(AuditEventSchema, {
        id: 2n,
        time: ts(now - 2 * 86_400_000),
        actor: "user:u-owen",
        workspaceId: "ws-acme",
        objectType: "api_token",
        objectId: "tok-old",
        action: "revoke",
        beforeJson: '{"name":"old-ci"}',
        afterJson: '{"name":"old-ci","revoked":true}',
        requestId: "req-2",
      }),
      create(AuditEventSchema, {
        id: 3n,
        time: ts(now - 3 * 86_400_000),
        actor: "system:worker",
        workspaceId: "ws-acme",
        objectType: "runner",
        objectId: "rn-small",
        action: "update",
        beforeJson: '{"status":"error"}',
        afterJson: '{"status":"active"}',
      }),
    ],
    jobs,
    updates: [],
    nextId,
  };
}
