import type { Secret } from "./secret.js";

// The typed configuration every role starts from. Why each option exists is
// written once, in variables.ts (and docs/configuration.md); here are the shapes.

export const roles = ["dev", "intake", "api", "worker"] as const;
export type Role = (typeof roles)[number];

export const logLevels = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
export type LogLevel = (typeof logLevels)[number];

/**
 * App mode talks to a real GitHub (or GHES, or an external simulator) as a
 * GitHub App; simulator mode, dev only, starts the built-in simulator and
 * needs no credentials.
 */
export type GitHubConfig =
  | {
      readonly mode: "app";
      /** REST base URL without a trailing slash. */
      readonly apiUrl: string;
      readonly appId: number;
      /** RSA private key, PEM. */
      readonly privateKey: Secret;
      readonly webhookSecret: Secret;
      /** Also accepted when verifying deliveries, during a rotation. */
      readonly previousWebhookSecret: Secret | undefined;
    }
  | { readonly mode: "simulator" };

export type KubernetesConnection =
  { readonly mode: "kubeconfig"; readonly path: string } | { readonly mode: "in-cluster" };

/** A taint runner pods tolerate: Exists without a value, Equal with one. */
export interface TolerationConfig {
  readonly key: string;
  readonly operator: "Exists" | "Equal";
  readonly value?: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

export interface KubernetesConfig {
  readonly connection: KubernetesConnection;
  readonly namespacePrefix: string;
  /** What the workspaces' egress NetworkPolicy must know about the cluster. */
  readonly network: {
    readonly podCidrs: readonly string[];
    readonly serviceCidrs: readonly string[];
    readonly dnsNamespace: string;
    readonly dnsPodLabels: Readonly<Record<string, string>>;
    readonly egressTcpPorts: readonly number[];
  };
  /** The node labels and taints of spot and GPU capacity. */
  readonly placement: {
    readonly spot: {
      readonly nodeSelector: Readonly<Record<string, string>>;
      readonly tolerations: readonly TolerationConfig[];
    };
    readonly gpu: {
      readonly resourceName: string;
      readonly nodeSelector: Readonly<Record<string, string>>;
      readonly tolerations: readonly TolerationConfig[];
      readonly typeLabel: string | null;
    };
  };
  /** Image prefixes whose runners work with a read-only root filesystem. */
  readonly readOnlyRootImages: readonly string[];
}

export type TracingConfig =
  { readonly enabled: false } | { readonly enabled: true; readonly otlpEndpoint: string };

export interface Config {
  readonly role: Role;
  readonly database: {
    /** postgres:// URL; a secret because it usually carries a password. */
    readonly url: Secret;
    readonly poolMax: number;
  };
  readonly temporal: {
    /** host:port */
    readonly address: string;
    readonly namespace: string;
    readonly taskQueue: string;
    readonly tls: boolean;
    readonly apiKey: Secret | undefined;
  };
  readonly kubernetes: KubernetesConfig;
  readonly github: GitHubConfig;
  readonly http: {
    readonly host: string;
    /** 0 means "any free port". */
    readonly intakePort: number;
    readonly apiPort: number;
    readonly metricsPort: number;
    readonly webhookMaxBytes: number;
  };
  readonly api: {
    readonly maxBodyBytes: number;
    /** Per-token token bucket: refill rate and capacity. */
    readonly rateLimitPerSecond: number;
    readonly rateLimitBurst: number;
  };
  readonly outbox: {
    /** Permanent failures of a signal before it is dead-lettered. */
    readonly maxAttempts: number;
  };
  readonly metrics: {
    /** Upper bounds (seconds) of the job startup and execution histograms. */
    readonly durationBuckets: readonly number[];
    /** Runner configurations and installations with series of their own; the rest fold into `other`. */
    readonly maxLabelValues: number;
  };
  readonly log: {
    readonly level: LogLevel;
    readonly pretty: boolean;
  };
  readonly runners: {
    readonly bootstrapTimeoutSeconds: number;
    readonly idleTimeoutSeconds: number;
    readonly jobStaleCheckSeconds: number;
    /** The first failed runner start delays the next this long; each further one doubles it. */
    readonly startBackoffSeconds: number;
    readonly maxFailedStarts: number;
    readonly poolIntervalSeconds: number;
  };
  readonly encryption: {
    /** 32 bytes, base64: `Buffer.from(key.reveal(), "base64")`. */
    readonly key: Secret;
    /** Stored with every ciphertext, naming `key`. */
    readonly keyId: string;
    /** Keys that still decrypt, during a rotation; same encoding as `key`. */
    readonly previousKeys: readonly { readonly id: string; readonly key: Secret }[];
    /** True when the public development key is in use (dev role only); say so in the UI. */
    readonly isDevelopmentKey: boolean;
  };
  readonly tracing: TracingConfig;
  /** The built-in GitHub simulator (dev without an App) and its demo traffic. */
  readonly demo: {
    /** 0 means "any free port". */
    readonly simulatorPort: number;
    readonly workload:
      { readonly mode: "off" } | { readonly mode: "steady"; readonly runsPerMinute: number };
  };
  readonly billing: {
    /** Run time is rounded up to whole multiples of the granularity, then to the minimum. */
    readonly rounding: {
      readonly granularitySeconds: number;
      readonly minimumSeconds: number;
    };
    /** Custom runners' price per minute: per vCPU and per GiB requested (decimal strings). */
    readonly customRates: {
      readonly perVcpuMinute: string;
      readonly perGibMinute: string;
      readonly currency: string;
    };
  };
}

/** One problem with one variable; the message never contains the variable's value. */
export interface ConfigIssue {
  readonly variable: string;
  readonly message: string;
}
