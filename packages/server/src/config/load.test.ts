import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./load.js";
import {
  appEnv as app,
  configError,
  productionEnv as production,
  testPrivateKey as privateKey,
  variablesOf,
} from "./testing.js";
import { configVariables, DEVELOPMENT_ENCRYPTION_KEY } from "./variables.js";

describe("loadConfig in dev", () => {
  it("runs with nothing set, on local services and the GitHub simulator", () => {
    const config = loadConfig({});
    expect(config.role).toBe("dev");
    expect(config.database.url.reveal()).toBe("postgres://postgres@127.0.0.1:25432/postgres");
    expect(config.database.poolMax).toBe(10);
    expect(config.temporal).toEqual({
      address: "127.0.0.1:27233",
      namespace: "hangar",
      taskQueue: "hangar",
      tls: false,
      apiKey: undefined,
    });
    expect(config.kubernetes).toEqual({
      connection: { mode: "in-cluster" },
      namespacePrefix: "hangar-",
      network: {
        podCidrs: ["10.244.0.0/16"],
        serviceCidrs: ["10.96.0.0/12"],
        dnsNamespace: "kube-system",
        dnsPodLabels: { "k8s-app": "kube-dns" },
        egressTcpPorts: [443],
      },
      placement: {
        spot: { nodeSelector: { "hangar.dev/capacity-type": "spot" }, tolerations: [] },
        gpu: {
          resourceName: "nvidia.com/gpu",
          nodeSelector: {},
          tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
          typeLabel: null,
        },
      },
      readOnlyRootImages: [],
    });
    expect(config.github).toEqual({ mode: "simulator" });
    expect(config.http).toEqual({
      host: "127.0.0.1",
      intakePort: 8080,
      apiPort: 8081,
      metricsPort: 9464,
      webhookMaxBytes: 26214400,
    });
    expect(config.log).toEqual({ level: "info", pretty: false });
    expect(config.runners).toEqual({
      bootstrapTimeoutSeconds: 300,
      idleTimeoutSeconds: 300,
      jobStaleCheckSeconds: 600,
      startBackoffSeconds: 5,
      maxFailedStarts: 5,
      poolIntervalSeconds: 30,
    });
    expect(config.encryption.isDevelopmentKey).toBe(true);
    expect(config.encryption.key.reveal()).toBe(DEVELOPMENT_ENCRYPTION_KEY);
    expect(config.encryption.keyId).toBe("primary");
    expect(config.encryption.previousKeys).toEqual([]);
    expect(config.tracing).toEqual({ enabled: false });
  });

  it("uses a GitHub App when all its settings are present", () => {
    const config = loadConfig({
      ...app,
      HANGAR_GITHUB_API_URL: "https://ghes.example.com/api/v3/",
    });
    expect(config.github.mode).toBe("app");
    if (config.github.mode !== "app") return;
    expect(config.github.appId).toBe(123456);
    expect(config.github.apiUrl).toBe("https://ghes.example.com/api/v3");
    expect(config.github.privateKey.reveal()).toBe(privateKey);
    expect(config.github.webhookSecret.reveal()).toBe("webhook-secret-for-tests");
    expect(config.github.previousWebhookSecret).toBeUndefined();
  });

  it("refuses a half-configured App instead of silently using the simulator", () => {
    const error = configError({ HANGAR_GITHUB_APP_ID: "123456" });
    expect(variablesOf(error)).toEqual([
      "HANGAR_GITHUB_PRIVATE_KEY",
      "HANGAR_GITHUB_WEBHOOK_SECRET",
    ]);
    expect(error.message).toContain("HANGAR_GITHUB_APP_ID is set");
  });

  it("reads an explicit development key as one", () => {
    const key = randomBytes(32).toString("base64");
    expect(loadConfig({ HANGAR_ENCRYPTION_KEY: key }).encryption.isDevelopmentKey).toBe(false);
  });
});

describe("loadConfig outside dev", () => {
  it("builds a production config with production defaults", () => {
    const config = loadConfig(production);
    expect(config.role).toBe("worker");
    expect(config.http.host).toBe("0.0.0.0");
    expect(config.github.mode).toBe("app");
    expect(config.encryption.isDevelopmentKey).toBe(false);
  });

  it("reports every missing required variable in one error", () => {
    const error = configError({ HANGAR_ROLE: "intake" });
    const required = configVariables
      .filter((variable) => variable.requiredWhen !== undefined)
      .map((variable) => variable.name)
      .sort();
    expect(variablesOf(error)).toEqual(required);
    for (const name of required) expect(error.message).toContain(name);
    expect(error.message).toContain("required when HANGAR_ROLE is intake");
  });

  it("reports bad values and missing ones together", () => {
    const error = configError({
      HANGAR_ROLE: "api",
      HANGAR_API_PORT: "80a",
      HANGAR_LOG_LEVEL: "verbose",
      HANGAR_DATABASE_POOL_MAX: "-3",
    });
    expect(variablesOf(error)).toEqual(
      [
        "HANGAR_API_PORT",
        "HANGAR_LOG_LEVEL",
        "HANGAR_DATABASE_POOL_MAX",
        "HANGAR_DATABASE_URL",
        "HANGAR_ENCRYPTION_KEY",
        "HANGAR_GITHUB_APP_ID",
        "HANGAR_GITHUB_PRIVATE_KEY",
        "HANGAR_GITHUB_WEBHOOK_SECRET",
      ].sort(),
    );
  });

  it("refuses the public development key", () => {
    const error = configError({ ...production, HANGAR_ENCRYPTION_KEY: DEVELOPMENT_ENCRYPTION_KEY });
    expect(variablesOf(error)).toEqual(["HANGAR_ENCRYPTION_KEY"]);
  });

  it("rejects an unknown role", () => {
    expect(variablesOf(configError({ ...production, HANGAR_ROLE: "prod" }))).toEqual([
      "HANGAR_ROLE",
    ]);
  });
});

describe("booleans", () => {
  it.each([
    ["false", false],
    ["FALSE", false],
    ["0", false],
    ["no", false],
    ["true", true],
    ["1", true],
    ["Yes", true],
  ])("reads %j as %j", (text, value) => {
    expect(loadConfig({ HANGAR_LOG_PRETTY: text }).log.pretty).toBe(value);
  });

  it("rejects anything else", () => {
    const error = configError({ HANGAR_LOG_PRETTY: "maybe" });
    expect(error.issues).toEqual([
      { variable: "HANGAR_LOG_PRETTY", message: "must be one of true, false, 1, 0, yes, no" },
    ]);
  });
});

describe("rules across variables", () => {
  it("turns TLS on for a Temporal API key and refuses to send the key in clear text", () => {
    expect(loadConfig({ HANGAR_TEMPORAL_API_KEY: "tmprl-key" }).temporal.tls).toBe(true);
    const error = configError({ HANGAR_TEMPORAL_API_KEY: "tmprl-key", HANGAR_TEMPORAL_TLS: "no" });
    expect(variablesOf(error)).toEqual(["HANGAR_TEMPORAL_TLS"]);
  });

  it("requires different ports only for the listeners a role opens", () => {
    const clash = { HANGAR_INTAKE_PORT: "9000", HANGAR_API_PORT: "9000" };
    expect(variablesOf(configError(clash))).toEqual(["HANGAR_API_PORT"]);
    expect(loadConfig({ ...production, ...clash }).http.apiPort).toBe(9000);
    expect(loadConfig({ HANGAR_INTAKE_PORT: "0", HANGAR_API_PORT: "0" }).http.intakePort).toBe(0);
  });

  it("picks the Kubernetes connection and tracing from what is set", () => {
    const config = loadConfig({
      KUBECONFIG: "/home/me/.kube/config",
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
    });
    expect(config.kubernetes.connection).toEqual({
      mode: "kubeconfig",
      path: "/home/me/.kube/config",
    });
    expect(config.tracing).toEqual({ enabled: true, otlpEndpoint: "http://collector:4318" });
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ HANGAR_ROLE: "", HANGAR_LOG_LEVEL: "", KUBECONFIG: "" })).toMatchObject({
      role: "dev",
      log: { level: "info" },
      kubernetes: { connection: { mode: "in-cluster" } },
    });
  });
});
