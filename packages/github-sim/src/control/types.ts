import type { ChaosNext, ChaosOptions } from "../delivery/chaos.js";
import type { DeliveryRecord } from "../delivery/sender.js";
import type { FailNextInput } from "../rate-limit/injected.js";
import type { CreatedInstallation, CreateInstallationInput } from "../state/installations.js";
import type { QueuedRun, QueueRunInput } from "../state/jobs.js";
import type { SimInstallation, SimJob, SimRunner } from "../webhooks/model.js";

export interface RunnerView extends SimRunner {
  scope: "org" | "repo";
  owner: string;
  /** `owner/name` for repository runners. */
  repository: string | null;
  held: boolean;
  pod: { namespace: string; podName: string } | null;
}

export interface JobView extends SimJob {
  repository: string;
  installationId: number;
  environment: string | null;
}

export interface InstallationView extends SimInstallation {
  repositories: { id: number; fullName: string }[];
}

/** A delivery as tests see it: the record without the bytes and headers exchanged. */
export type DeliveryView = Pick<
  DeliveryRecord,
  | "id"
  | "guid"
  | "event"
  | "action"
  | "status"
  | "statusCode"
  | "redelivery"
  | "deliveredAt"
  | "durationMs"
  | "installationId"
>;

export interface PushWorkflowFileInput {
  repository: string;
  path: string;
  content: string;
  branch?: string;
}

/**
 * Everything a test, benchmark or demo does to the simulated GitHub: the same
 * operations in-process (`sim.control`) and over HTTP (`createSimulatorClient`).
 */
export interface SimulatorControl {
  createInstallation(input: CreateInstallationInput): Promise<CreatedInstallation>;
  suspendInstallation(id: number): Promise<void>;
  unsuspendInstallation(id: number): Promise<void>;
  deleteInstallation(id: number): Promise<void>;
  addRepositories(installationId: number, names: string[]): Promise<void>;
  removeRepositories(installationId: number, names: string[]): Promise<void>;
  pushWorkflowFile(input: PushWorkflowFileInput): Promise<{ sha: string }>;
  createRunnerGroup(org: string, name: string): Promise<{ id: number }>;
  queueWorkflowRun(input: QueueRunInput): Promise<QueuedRun>;
  approveEnvironment(jobId: number): Promise<void>;
  cancelJob(jobId: number): Promise<void>;
  cancelRun(runId: number): Promise<void>;
  connectRunner(name: string): Promise<void>;
  disconnectRunner(name: string): Promise<void>;
  /** A held runner accepts a job but never starts it (GitHub gives the job back after the timeout). */
  holdRunner(name: string, held?: boolean): Promise<void>;
  setRunnerBusy(name: string, busy: boolean): Promise<void>;
  tick(): Promise<void>;
  /** Runners of an org or user (`owner`) or of one repository (`owner/name`). */
  runners(owner: string): Promise<RunnerView[]>;
  jobs(): Promise<JobView[]>;
  installations(): Promise<InstallationView[]>;
  deliveries(): Promise<DeliveryView[]>;
  /** Resolves once every queued delivery has been attempted. */
  drainDeliveries(): Promise<void>;
  setWebhookUrl(url: string | null): Promise<void>;
  setChaos(options: ChaosOptions): Promise<void>;
  chaosNext(options: ChaosNext): Promise<void>;
  failNext(input: FailNextInput): Promise<void>;
  /** Holds admitted REST requests open until released: fills the concurrency limit on demand. */
  holdRequests(held: boolean): Promise<void>;
}

export type {
  ChaosNext,
  ChaosOptions,
  CreatedInstallation,
  CreateInstallationInput,
  FailNextInput,
  QueuedRun,
  QueueRunInput,
};
