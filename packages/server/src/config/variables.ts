/**
 * Every environment variable Hangar reads, as data. load.ts applies the
 * defaults from here, and docs/configuration.md is written from this list (a
 * test checks the page names every entry), so code and docs cannot drift.
 */
export interface ConfigVariable {
  readonly name: string;
  /** Used for every role when the variable is unset (or empty). */
  readonly default: string | undefined;
  /** Used instead of `default` when HANGAR_ROLE is dev, so a laptop needs no setup. */
  readonly devDefault?: string;
  /** When the variable must be set, in words; undefined when it never must. */
  readonly requiredWhen: string | undefined;
  /** Secrets may come from `<name>_FILE` and are wrapped in `Secret`. */
  readonly secret: boolean;
  /** Why the option exists. */
  readonly description: string;
}

const outsideDev = "HANGAR_ROLE is intake, api or worker";
const githubApp = `${outsideDev}; in dev, set all three App variables or none (none runs the built-in GitHub simulator)`;

/**
 * A fixed, public key so `npm start` works with nothing configured. The bytes
 * spell out what it is; load.ts refuses it outside dev and marks the config
 * with `encryption.isDevelopmentKey` so the UI can warn.
 */
export const DEVELOPMENT_ENCRYPTION_KEY = Buffer.from("hangar-dev-only-key-NOT-A-SECRET").toString(
  "base64",
);

export const configVariables = [
  {
    name: "HANGAR_ROLE",
    default: "dev",
    requiredWhen: undefined,
    secret: false,
    description:
      "One image serves every process; the role picks which one this is (intake, api, worker) or runs them all in one process with local defaults (dev).",
  },
  {
    name: "HANGAR_DATABASE_URL",
    default: undefined,
    devDefault: "postgres://postgres@127.0.0.1:25432/postgres",
    requiredWhen: outsideDev,
    secret: true,
    description:
      "PostgreSQL holds all of Hangar's state. Treated as a secret because the URL usually embeds a password. The dev default is the database `npm run services` starts.",
  },
  {
    name: "HANGAR_DATABASE_POOL_MAX",
    default: "10",
    requiredWhen: undefined,
    secret: false,
    description:
      "Caps connections per process so that replicas × pool size stays under the server's max_connections.",
  },
  {
    name: "HANGAR_TEMPORAL_ADDRESS",
    default: "127.0.0.1:27233",
    requiredWhen: undefined,
    secret: false,
    description:
      "host:port of the Temporal frontend that runs Hangar's workflows. The default is the server `npm run services` starts.",
  },
  {
    name: "HANGAR_TEMPORAL_NAMESPACE",
    default: "hangar",
    requiredWhen: undefined,
    secret: false,
    description:
      "Lets several Hangar installations (or other apps) share one Temporal cluster without seeing each other's workflows.",
  },
  {
    name: "HANGAR_TEMPORAL_TASK_QUEUE",
    default: "hangar",
    requiredWhen: undefined,
    secret: false,
    description:
      "The queue workers poll and clients start workflows on; both sides must agree, and a new name lets a blue/green deploy run side by side.",
  },
  {
    name: "HANGAR_TEMPORAL_TLS",
    default: undefined,
    requiredWhen: undefined,
    secret: false,
    description:
      "Temporal Cloud and most production clusters require TLS. Defaults to true when HANGAR_TEMPORAL_API_KEY is set and false otherwise; false together with an API key is refused so the key never travels in clear text.",
  },
  {
    name: "HANGAR_TEMPORAL_API_KEY",
    default: undefined,
    requiredWhen: undefined,
    secret: true,
    description: "Authenticates to Temporal Cloud (or any server that checks API keys).",
  },
  {
    name: "KUBECONFIG",
    default: undefined,
    requiredWhen: undefined,
    secret: false,
    description:
      "Path of a kubeconfig file, for running outside the cluster (a laptop, CI). Unset means in-cluster credentials from the pod's service account. Standard name so kubectl and Hangar agree.",
  },
  {
    name: "HANGAR_KUBE_NAMESPACE_PREFIX",
    default: "hangar-",
    requiredWhen: undefined,
    secret: false,
    description:
      "Prefix of every per-workspace namespace, so runners are easy to find, RBAC can be scoped, and two installations can share a cluster.",
  },
  {
    name: "HANGAR_KUBE_POD_CIDRS",
    default: "10.244.0.0/16",
    requiredWhen: undefined,
    secret: false,
    description:
      "The cluster's pod address ranges, comma-separated. Runner egress to them is denied so one tenant's runners cannot reach another's; listing an IPv6 range also opens IPv6 egress (minus the metadata address). The default is kubeadm's and the local cluster's.",
  },
  {
    name: "HANGAR_KUBE_SERVICE_CIDRS",
    default: "10.96.0.0/12",
    requiredWhen: undefined,
    secret: false,
    description:
      "The cluster's Service address ranges, comma-separated, also denied to runners so in-cluster services are not reachable from workflow code. The default is kubeadm's.",
  },
  {
    name: "HANGAR_KUBE_DNS_NAMESPACE",
    default: "kube-system",
    requiredWhen: undefined,
    secret: false,
    description:
      "Namespace of the cluster DNS pods: runners may send DNS (port 53) to those pods and nowhere else.",
  },
  {
    name: "HANGAR_KUBE_DNS_POD_LABELS",
    default: "k8s-app=kube-dns",
    requiredWhen: undefined,
    secret: false,
    description:
      "Labels (key=value, comma-separated) of the cluster DNS pods; CoreDNS on kubeadm, GKE, EKS and AKS carries the default.",
  },
  {
    name: "HANGAR_KUBE_EGRESS_PORTS",
    default: "443",
    requiredWhen: undefined,
    secret: false,
    description:
      "TCP ports runners may reach outside the cluster, comma-separated. HTTPS only by default; add 80 or 22 if workflows fetch over plain HTTP or SSH.",
  },
  {
    name: "HANGAR_KUBE_SPOT_NODE_LABELS",
    default: "hangar.dev/capacity-type=spot",
    requiredWhen: undefined,
    secret: false,
    description:
      "Node labels (key=value, comma-separated) of spot capacity: spot runners require them, other runners avoid nodes that carry them. Match your node pools (for example cloud.google.com/gke-spot=true or karpenter.sh/capacity-type=spot).",
  },
  {
    name: "HANGAR_KUBE_SPOT_TOLERATIONS",
    default: undefined,
    requiredWhen: undefined,
    secret: false,
    description:
      "Taints of spot nodes that spot runners tolerate, as key[=value]:Effect, comma-separated; for clusters that taint spot pools so ordinary workloads stay off them.",
  },
  {
    name: "HANGAR_KUBE_GPU_RESOURCE",
    default: "nvidia.com/gpu",
    requiredWhen: undefined,
    secret: false,
    description:
      "The extended resource GPU runners request (the device plugin's name), so the scheduler only places them where GPUs are free.",
  },
  {
    name: "HANGAR_KUBE_GPU_NODE_LABELS",
    default: undefined,
    requiredWhen: undefined,
    secret: false,
    description:
      "Extra node labels (key=value, comma-separated) GPU runners require; unset relies on the GPU resource request alone.",
  },
  {
    name: "HANGAR_KUBE_GPU_TOLERATIONS",
    default: "nvidia.com/gpu:NoSchedule",
    requiredWhen: undefined,
    secret: false,
    description:
      "Taints of GPU nodes that GPU runners tolerate, as key[=value]:Effect, comma-separated. GPU pools are usually tainted so that only GPU work lands there.",
  },
  {
    name: "HANGAR_KUBE_GPU_TYPE_LABEL",
    default: undefined,
    requiredWhen: undefined,
    secret: false,
    description:
      "Node label whose value must equal an offering's GPU type (for example cloud.google.com/gke-accelerator), for clusters with several GPU models; unset lets any GPU node run any GPU offering.",
  },
  {
    name: "HANGAR_RUNNER_READONLY_ROOT_IMAGES",
    default: undefined,
    requiredWhen: undefined,
    secret: false,
    description:
      "Image prefixes (comma-separated) whose runner images work with a read-only root filesystem, which is then turned on. The stock actions-runner image writes its registration into /home/runner and so is not one of them.",
  },
  {
    name: "HANGAR_GITHUB_API_URL",
    default: "https://api.github.com",
    requiredWhen: undefined,
    secret: false,
    description:
      "REST base URL, so GitHub Enterprise Server (https://HOST/api/v3) or an external GitHub simulator can stand in for github.com. Ignored in simulator mode, where the built-in simulator's own address is used.",
  },
  {
    name: "HANGAR_GITHUB_APP_ID",
    default: undefined,
    requiredWhen: githubApp,
    secret: false,
    description: "The GitHub App Hangar acts as; it is the issuer of the App JWT.",
  },
  {
    name: "HANGAR_GITHUB_PRIVATE_KEY",
    default: undefined,
    requiredWhen: githubApp,
    secret: true,
    description:
      "The App's RSA private key (PEM) that signs the App JWT, from which installation tokens are minted. Prefer HANGAR_GITHUB_PRIVATE_KEY_FILE: PEM newlines survive files better than environment variables.",
  },
  {
    name: "HANGAR_GITHUB_WEBHOOK_SECRET",
    default: undefined,
    requiredWhen: githubApp,
    secret: true,
    description:
      "Verifies X-Hub-Signature-256 on every delivery, so only GitHub can create jobs and runners.",
  },
  {
    name: "HANGAR_GITHUB_WEBHOOK_SECRET_PREVIOUS",
    default: undefined,
    requiredWhen: undefined,
    secret: true,
    description:
      "Also accepted while rotating the webhook secret: GitHub switches at once, but deliveries already in flight were signed with the old one.",
  },
  {
    name: "HANGAR_HTTP_HOST",
    default: "0.0.0.0",
    devDefault: "127.0.0.1",
    requiredWhen: undefined,
    secret: false,
    description:
      "Interface the HTTP servers bind. In a pod it must be all interfaces; on a laptop, loopback only, so a demo is not exposed to the network.",
  },
  {
    name: "HANGAR_INTAKE_PORT",
    default: "8080",
    requiredWhen: undefined,
    secret: false,
    description:
      "Port of the webhook endpoint (intake and dev roles), separate from the API so each can be exposed and scaled on its own. 0 picks a free port (tests).",
  },
  {
    name: "HANGAR_API_PORT",
    default: "8081",
    requiredWhen: undefined,
    secret: false,
    description:
      "Port of the Connect API and dashboard (api and dev roles). 0 picks a free port (tests).",
  },
  {
    name: "HANGAR_SIMULATOR_PORT",
    default: "8082",
    requiredWhen: undefined,
    secret: false,
    description:
      "Port of the built-in GitHub simulator (dev role without a GitHub App), fixed so that `hangar sim` finds it. Always bound to 127.0.0.1: its control API needs no credentials. 0 picks a free port (tests).",
  },
  {
    name: "HANGAR_DEMO_WORKLOAD",
    default: "steady",
    requiredWhen: undefined,
    secret: false,
    description:
      "What the simulator does after the `npm start` demo run: `steady` keeps queuing runs of the demo repository so the dashboard shows live jobs and runners; `off` queues nothing more. Ignored with a GitHub App.",
  },
  {
    name: "HANGAR_DEMO_RUNS_PER_MINUTE",
    default: "3",
    requiredWhen: undefined,
    secret: false,
    description:
      "Runs (of 2 to 4 jobs each) the steady demo workload queues per minute, on average. Jobs of runs not yet finished stay within the demo runner configuration's maximum, so a rate above what it can take only holds runs back.",
  },
  {
    name: "HANGAR_METRICS_PORT",
    default: "9464",
    requiredWhen: undefined,
    secret: false,
    description:
      "Port of Prometheus /metrics on every role, kept off the public ports so scraping needs no auth and metrics are not exposed with the webhook. 9464 is the OpenTelemetry Prometheus exporter's usual port.",
  },
  {
    name: "HANGAR_METRICS_DURATION_BUCKETS",
    default: "1,2,5,10,20,30,45,60,90,120,180,300,600,900,1800,3600,7200,21600",
    requiredWhen: undefined,
    secret: false,
    description:
      "Upper bounds in seconds (comma-separated, increasing) of the gha_job_startup_duration_seconds and gha_job_execution_duration_seconds buckets, so the quantiles you alert on fall between bounds that resolve them. Changing them splits the histograms' history.",
  },
  {
    name: "HANGAR_METRICS_MAX_LABEL_VALUES",
    default: "200",
    requiredWhen: undefined,
    secret: false,
    description:
      "Runner configurations (and GitHub installations) that get series of their own in each process; later ones are summed under `other`, so a large tenant count cannot blow up Prometheus's memory.",
  },
  {
    name: "HANGAR_WEBHOOK_MAX_BYTES",
    default: "26214400",
    requiredWhen: undefined,
    secret: false,
    description:
      "Bodies larger than this are refused before hashing, so a flood of huge requests cannot exhaust memory or CPU. GitHub caps payloads at 25 MiB, the default.",
  },
  {
    name: "HANGAR_API_MAX_BODY_BYTES",
    default: "1048576",
    requiredWhen: undefined,
    secret: false,
    description:
      "API requests with a larger body are refused (resource_exhausted) before they are decoded, so a client cannot make the API buffer or parse huge messages. No API message needs more than a few kilobytes.",
  },
  {
    name: "HANGAR_API_RATE_LIMIT_PER_SECOND",
    default: "20",
    requiredWhen: undefined,
    secret: false,
    description:
      "Requests per second each API token may make on average, so one runaway script cannot starve the other tenants of the API and its database; excess requests get resource_exhausted with a retry-after header. Counted per API process.",
  },
  {
    name: "HANGAR_API_RATE_LIMIT_BURST",
    default: "60",
    requiredWhen: undefined,
    secret: false,
    description:
      "Requests a token may make at once above the average before HANGAR_API_RATE_LIMIT_PER_SECOND applies, so interactive bursts (a dashboard page loading) are not throttled.",
  },
  {
    name: "HANGAR_OUTBOX_MAX_ATTEMPTS",
    default: "10",
    requiredWhen: undefined,
    secret: false,
    description:
      "A signal Temporal refuses for a reason other than unavailability (an invalid argument, say) is tried this many times, then dead-lettered, so it cannot hold back its workflow's later signals for ever. Unavailability, deadlines and exhausted resources are retried without limit: a Temporal outage never loses a delivery.",
  },
  {
    name: "HANGAR_LOG_LEVEL",
    default: "info",
    requiredWhen: undefined,
    secret: false,
    description:
      "Turns detail up while debugging and down in production: fatal, error, warn, info, debug or trace.",
  },
  {
    name: "HANGAR_LOG_PRETTY",
    default: "false",
    requiredWhen: undefined,
    secret: false,
    description:
      "One readable line per entry for a terminal; leave off in production, where log collectors want JSON.",
  },
  {
    name: "HANGAR_RUNNER_BOOTSTRAP_TIMEOUT_SECONDS",
    default: "300",
    requiredWhen: undefined,
    secret: false,
    description:
      "A runner pod that has not registered with GitHub by then is torn down and replaced, so a stuck image pull or a bad node cannot hold a job forever.",
  },
  {
    name: "HANGAR_RUNNER_IDLE_TIMEOUT_SECONDS",
    default: "300",
    requiredWhen: undefined,
    secret: false,
    description:
      "An idle runner above the pool's minimum is removed after this long, trading start-up latency for cluster cost.",
  },
  {
    name: "HANGAR_RUNNER_START_BACKOFF_SECONDS",
    default: "5",
    requiredWhen: undefined,
    secret: false,
    description:
      "After a runner fails to start (its pod fails or never registers), the next start of that configuration waits this long, doubling with each further failure (5, 10, 20, 40, 80 s), so a broken image does not churn pods.",
  },
  {
    name: "HANGAR_RUNNER_MAX_FAILED_STARTS",
    default: "5",
    requiredWhen: undefined,
    secret: false,
    description:
      "This many failed runner starts in a row put the runner configuration in error, with the reason as its status message, and no more runners are started until the configuration changes or a runner succeeds.",
  },
  {
    name: "HANGAR_RUNNER_POOL_INTERVAL_SECONDS",
    default: "30",
    requiredWhen: undefined,
    secret: false,
    description:
      "Each runner pool re-reads its configuration and recounts at least this often besides reacting to every job event, so changes made outside the event flow (a new minimum of idle runners, a quota raised) take effect.",
  },
  {
    name: "HANGAR_JOB_STALE_CHECK_SECONDS",
    default: "600",
    requiredWhen: undefined,
    secret: false,
    description:
      "A job queued this long is checked against GitHub, because webhooks get lost and a job cancelled upstream must not keep a runner.",
  },
  {
    name: "HANGAR_BILLING_GRANULARITY_SECONDS",
    default: "60",
    requiredWhen: undefined,
    secret: false,
    description:
      "Job run time is billed rounded up to whole multiples of this many seconds: 60 bills every started minute, 1 bills to the second.",
  },
  {
    name: "HANGAR_BILLING_MINIMUM_SECONDS",
    default: "0",
    requiredWhen: undefined,
    secret: false,
    description:
      "A minimum charge per billed job, in seconds of run time, applied after rounding (for example 60 with per-second billing); 0 for none.",
  },
  {
    name: "HANGAR_BILLING_CUSTOM_VCPU_MINUTE_PRICE",
    default: "0.002",
    requiredWhen: undefined,
    secret: false,
    description:
      "Custom runners have no offering and so no list price: they are billed per minute at this price per requested vCPU plus HANGAR_BILLING_CUSTOM_GIB_MINUTE_PRICE per requested GiB of memory.",
  },
  {
    name: "HANGAR_BILLING_CUSTOM_GIB_MINUTE_PRICE",
    default: "0.00025",
    requiredWhen: undefined,
    secret: false,
    description:
      "Price per minute of each GiB of memory a custom runner requests (see HANGAR_BILLING_CUSTOM_VCPU_MINUTE_PRICE).",
  },
  {
    name: "HANGAR_BILLING_CUSTOM_CURRENCY",
    default: "USD",
    requiredWhen: undefined,
    secret: false,
    description: "ISO 4217 currency of the custom-runner prices.",
  },
  {
    name: "HANGAR_ENCRYPTION_KEY",
    default: undefined,
    devDefault: DEVELOPMENT_ENCRYPTION_KEY,
    requiredWhen: outsideDev,
    secret: true,
    description:
      "32 random bytes, base64 (`openssl rand -base64 32`), that encrypt container-registry credentials at rest, so a database dump alone does not leak them. Dev uses a fixed, public development key and says so.",
  },
  {
    name: "HANGAR_ENCRYPTION_KEY_ID",
    default: "primary",
    requiredWhen: undefined,
    secret: false,
    description:
      "Names HANGAR_ENCRYPTION_KEY in every row it encrypts, so that after a rotation each row is decrypted with the key that encrypted it. Give each new key a new id.",
  },
  {
    name: "HANGAR_ENCRYPTION_PREVIOUS_KEYS",
    default: undefined,
    requiredWhen: undefined,
    secret: true,
    description:
      "Keys that still decrypt during a rotation, as keyId:base64key, comma-separated. New rows use the current key; remove an old key once no row names it.",
  },
  {
    name: "OTEL_EXPORTER_OTLP_ENDPOINT",
    default: undefined,
    requiredWhen: undefined,
    secret: false,
    description:
      "OpenTelemetry (OTLP) collector that receives traces; unset turns tracing off. Standard OpenTelemetry name so existing platform settings apply.",
  },
] as const satisfies readonly ConfigVariable[];

export type ConfigVariableName = (typeof configVariables)[number]["name"];
