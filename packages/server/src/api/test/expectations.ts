import type { DescService } from "@bufbuild/protobuf";
import { InstallationService } from "@hangar/api/installation_service_pb.js";
import { JobService } from "@hangar/api/job_service_pb.js";
import { OfferingService } from "@hangar/api/offering_service_pb.js";
import { RegistryCredentialService } from "@hangar/api/registry_credential_service_pb.js";
import { RunnerService } from "@hangar/api/runner_service_pb.js";
import { UsageService } from "@hangar/api/usage_service_pb.js";
import { WorkspaceService } from "@hangar/api/workspace_service_pb.js";
import type { Tenant } from "../../storage/test-fixtures.js";
import { workspaceServiceExpectations } from "./expectations-workspace.js";
import {
  freshCredential,
  freshCustomRunner,
  freshInstallation,
  freshOffering,
  freshRunner,
  jobOf,
  unique,
} from "./fixtures.js";
import type { ApiHarness } from "./harness.js";
import type { RpcExpectation } from "./permission-matrix.js";

// Every service's expectations, keyed by its full name. The generated tests look each
// service of packages/api up here and fail for one that is missing.

const jobs = new WeakMap<Tenant, Promise<bigint>>();
/** One job per tenant, made on first use. */
export function jobFor(h: ApiHarness, tenant: Tenant): Promise<bigint> {
  let job = jobs.get(tenant);
  if (job === undefined) {
    job = jobOf(h, tenant);
    jobs.set(tenant, job);
  }
  return job;
}

/** Every field UpdateRunner may change. */
export const runnerUpdateMask = [
  "labels",
  "repositories",
  "min_idle",
  "max_runners",
  "prewarm_max_idle",
  "image",
  "cpu",
  "memory",
  "registry_credential_id",
] as const;

const runnerServiceExpectations: Record<string, RpcExpectation> = {
  installRunners: {
    // The installation is unlinked: claiming it is an operator's (see linkInstallation).
    minimumRole: "platform admin, in a workspace",
    request: async (h) => ({
      workspaceId: h.tenant.workspaceId,
      installationId: await freshInstallation(h),
      runnerOfferingIds: [h.tenant.offeringId],
    }),
  },
  createRunner: {
    minimumRole: "member",
    request: (h) => ({
      workspaceId: h.tenant.workspaceId,
      name: unique("new"),
      spec: { case: "runnerOfferingId", value: h.tenant.offeringId },
      // InstallRunners links more installations to the workspace; name the one to use.
      installationId: h.tenant.installationId,
    }),
  },
  getRunner: { minimumRole: "viewer", request: (h) => ({ id: h.tenant.runnerId }) },
  listRunners: { minimumRole: "viewer", request: (h) => ({ workspaceId: h.tenant.workspaceId }) },
  updateRunner: {
    minimumRole: "member",
    // A custom runner, with every updatable field in the mask, so a malformed value in
    // any of them is looked at.
    request: async (h) => ({
      runner: {
        id: await freshCustomRunner(h),
        labels: ["gpu", "linux"],
        repositories: ["acme/app"],
        minIdle: 1,
        maxRunners: 3,
        prewarmMaxIdle: 2,
        image: "registry.example.com/runner:2",
        cpu: "4",
        memory: "16Gi",
        registryCredentialId: await freshCredential(h),
      },
      updateMask: [...runnerUpdateMask],
    }),
  },
  deleteRunner: { minimumRole: "member", request: async (h) => ({ id: await freshRunner(h) }) },
  suspendRunner: {
    minimumRole: "member",
    request: async (h) => ({ id: await freshRunner(h, "active") }),
  },
  resumeRunner: { minimumRole: "member", request: async (h) => ({ id: await freshRunner(h) }) },
  getRunnerMetrics: {
    minimumRole: "viewer",
    request: (h) => ({ workspaceId: h.tenant.workspaceId }),
  },
};

const installationServiceExpectations: Record<string, RpcExpectation> = {
  listInstallations: {
    minimumRole: "viewer",
    request: (h) => ({ workspaceId: h.tenant.workspaceId }),
  },
  getInstallation: {
    minimumRole: "viewer",
    request: (h) => ({ installationId: h.tenant.installationId }),
  },
  linkInstallation: {
    // Nothing proves yet that a workspace admin controls the GitHub account.
    minimumRole: "platform admin, in a workspace",
    request: async (h) => ({
      installationId: await freshInstallation(h),
      workspaceId: h.tenant.workspaceId,
    }),
  },
  setInstallationService: {
    minimumRole: "admin",
    // Always a change, so every allowed call is audited.
    request: async (h) => {
      const row = await h.db
        .selectFrom("github_installations")
        .select("is_service_enabled")
        .where("installation_id", "=", h.tenant.installationId)
        .executeTakeFirstOrThrow();
      return { installationId: h.tenant.installationId, enabled: !row.is_service_enabled };
    },
  },
  listInstallationRepositories: {
    minimumRole: "viewer",
    request: (h) => ({ installationId: h.tenant.installationId }),
  },
};

/** Every field UpdateOffering may change, so a malformed value in any is looked at. */
export const fullUpdateMask = [
  "name",
  "cpu",
  "memory",
  "image_repository",
  "image_tag",
  "is_autoscale",
  "gpu_count",
  "gpu_type",
  "arch",
  "spot",
  "price_per_minute",
  "currency",
  "rerun_on_preemption",
];

const offeringServiceExpectations: Record<string, RpcExpectation> = {
  listOfferings: { minimumRole: "signed in", request: () => ({ includeRetired: true }) },
  createOffering: {
    minimumRole: "platform admin",
    request: () => {
      const id = unique("catalog");
      return {
        offering: {
          id,
          name: id,
          cpu: "8",
          memory: "32Gi",
          imageRepository: "ghcr.io/actions/actions-runner",
          imageTag: "2.330.0",
          isAutoscale: true,
          arch: "arm64",
          pricePerMinute: "0.016",
          currency: "EUR",
        },
      };
    },
  },
  updateOffering: {
    minimumRole: "platform admin",
    request: async (h) => {
      const id = await freshOffering(h);
      return {
        offering: {
          id,
          name: id,
          cpu: "2",
          memory: "8Gi",
          imageRepository: "ghcr.io/actions/actions-runner",
          imageTag: "2.331.0",
          isAutoscale: true,
          gpuCount: 1,
          gpuType: "nvidia-l4",
          arch: "amd64",
          spot: true,
          pricePerMinute: "0.05",
          currency: "USD",
          rerunOnPreemption: false,
        },
        updateMask: fullUpdateMask,
      };
    },
  },
  retireOffering: {
    minimumRole: "platform admin",
    request: async (h) => ({ id: await freshOffering(h) }),
  },
};

const basicSecret = {
  case: "basic" as const,
  value: { username: "robot", password: "s3cret-value" },
};

const registryCredentialServiceExpectations: Record<string, RpcExpectation> = {
  createRegistryCredential: {
    minimumRole: "admin",
    request: (h) => ({
      workspaceId: h.tenant.workspaceId,
      name: unique("registry"),
      registryHost: "registry.example.com",
      secret: basicSecret,
    }),
  },
  listRegistryCredentials: {
    minimumRole: "viewer",
    request: (h) => ({ workspaceId: h.tenant.workspaceId }),
  },
  rotateRegistryCredential: {
    minimumRole: "admin",
    request: async (h) => ({ id: await freshCredential(h), secret: basicSecret }),
  },
  deleteRegistryCredential: {
    minimumRole: "admin",
    request: async (h) => ({ id: await freshCredential(h) }),
  },
};

const jobServiceExpectations: Record<string, RpcExpectation> = {
  listJobs: {
    minimumRole: "viewer",
    request: (h) => ({ workspaceId: h.tenant.workspaceId, status: "completed" }),
  },
  getJob: { minimumRole: "viewer", request: async (h) => ({ id: await jobFor(h, h.tenant) }) },
};

const usageServiceExpectations: Record<string, RpcExpectation> = {
  getUsage: {
    minimumRole: "viewer",
    request: (h) => ({ workspaceId: h.tenant.workspaceId, month: "2026-03" }),
  },
  // The ledger names every job and its price: billing data, for admins.
  exportUsage: {
    minimumRole: "admin",
    request: (h) => ({ workspaceId: h.tenant.workspaceId, month: "2026-03", kind: "events" }),
  },
};

export const expectationsByService: Record<string, Record<string, RpcExpectation>> = {
  [RunnerService.typeName]: runnerServiceExpectations,
  [WorkspaceService.typeName]: workspaceServiceExpectations,
  [InstallationService.typeName]: installationServiceExpectations,
  [OfferingService.typeName]: offeringServiceExpectations,
  [RegistryCredentialService.typeName]: registryCredentialServiceExpectations,
  [JobService.typeName]: jobServiceExpectations,
  [UsageService.typeName]: usageServiceExpectations,
};

/** The expectations of one service; throws for a service nobody described. */
export function expectationsOf(service: DescService): Record<string, RpcExpectation> {
  const found = expectationsByService[service.typeName];
  if (found === undefined) throw new Error(`no permission expectations for ${service.typeName}`);
  return found;
}
