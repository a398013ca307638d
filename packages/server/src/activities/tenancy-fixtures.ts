import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { V1Secret } from "@kubernetes/client-node";
import { testDatabase, testKubeConfig, uniqueSuffix, type TestDatabase } from "@hangar/testkit";
import { createSecretCipher, type SecretCipher } from "../crypto/envelope.js";
import { createKeyRing } from "../crypto/key-ring.js";
import {
  sealRegistryCredential,
  type RegistryCredentialSecret,
} from "../crypto/registry-credentials.js";
import { createCluster, type KubernetesCluster } from "../kubernetes/cluster.js";
import { createEcrLoginSource } from "../kubernetes/ecr.js";
import { createTenancyActivities, type TenancyActivities } from "./tenancy.js";

// Test-only: a database of the test file's own, the local API server, a local
// fake of the ECR API (AWS is never called) and a clock the test moves, wired
// into the tenancy activities; plus credentials and workspaces to feed them.

export const oldKey = { id: "k-2025", key: randomBytes(32).toString("base64") };
export const newKey = { id: "k-2026", key: randomBytes(32).toString("base64") };
export const oldCipher = createSecretCipher(createKeyRing(oldKey));
export const cipher = createSecretCipher(createKeyRing(newKey, [oldKey]));

export const awsKey = {
  accessKeyId: "AKIAHANGARTEST000001",
  secretAccessKey: "wJalr/secret/EXAMPLEKEY",
};
export const gcpKey = JSON.stringify({
  type: "service_account",
  client_email: "puller@acme.iam.gserviceaccount.com",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIfake\n-----END PRIVATE KEY-----\n",
});
export const basicPassword = "basic-password-7c1f";
export const ecrHost = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

export interface EcrCall {
  accessKeyId: string | undefined;
  region: string | undefined;
}

/** Answers GetAuthorizationToken like ECR (JSON 1.1 protocol), or fails when told to. */
export class FakeEcr {
  calls: EcrCall[] = [];
  failWith: { status: number; type: string; message: string } | null = null;
  private readonly server: Server;

  constructor(private readonly clock: { now: Date }) {
    this.server = createServer((request, response) => {
      void this.handle(request).then(({ status, body }) => {
        response.writeHead(status, { "content-type": "application/x-amz-json-1.1" });
        response.end(JSON.stringify(body));
      });
    });
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(request: IncomingMessage) {
    for await (const _chunk of request) {
      // The request body ({}) carries nothing the fake needs.
    }
    const target = request.headers["x-amz-target"];
    if (target !== "AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken") {
      return { status: 400, body: { __type: "UnknownOperationException" } };
    }
    // SigV4: Credential=<access key id>/<date>/<region>/ecr/aws4_request
    const scope = /Credential=([^/]+)\/\d+\/([^/]+)\/ecr\//.exec(
      request.headers.authorization ?? "",
    );
    this.calls.push({ accessKeyId: scope?.[1], region: scope?.[2] });
    if (this.failWith) {
      return {
        status: this.failWith.status,
        body: { __type: this.failWith.type, message: this.failWith.message },
      };
    }
    const n = this.calls.length;
    return {
      status: 200,
      body: {
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:ecr-token-${n}`).toString("base64"),
            // Epoch seconds, as ECR sends them: 12 hours from the test's clock.
            expiresAt: (this.clock.now.getTime() + 12 * 3600_000) / 1000,
            proxyEndpoint: `https://${ecrHost}`,
          },
        ],
      },
    };
  }

  async stop() {
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }
}

export interface TenancyRig {
  database: TestDatabase;
  cluster: KubernetesCluster;
  ecr: FakeEcr;
  activities: TenancyActivities;
  /** What the activities and the fake ECR take as the current time. */
  clock: { now: Date };
  /** A workspace with a unique namespace, removed from the cluster on close. */
  createWorkspace(): Promise<{ id: string; namespace: string }>;
  addCredential(
    workspaceId: string,
    registryHost: string,
    secret: RegistryCredentialSecret,
    sealWith?: SecretCipher,
  ): Promise<string>;
  pullSecret(namespace: string, credentialId: string): Promise<V1Secret | undefined>;
  close(): Promise<void>;
}

export async function startTenancyRig(): Promise<TenancyRig> {
  const database = await testDatabase();
  const cluster = createCluster(testKubeConfig());
  const clock = { now: new Date("2026-03-01T08:00:00Z") };
  const ecr = new FakeEcr(clock);
  const endpoint = await ecr.start();
  const activities = createTenancyActivities({
    db: database.db,
    cluster,
    crypto: cipher,
    ecr: createEcrLoginSource({ endpoint, now: () => clock.now }),
    now: () => clock.now,
  });
  const workspaces: string[] = [];

  return {
    database,
    cluster,
    ecr,
    activities,
    clock,

    async createWorkspace() {
      const suffix = uniqueSuffix();
      const row = await database.db
        .insertInto("workspaces")
        .values({
          slug: `t-${suffix}`,
          name: `Tenant ${suffix}`,
          namespace: `hangar-t-${suffix}`,
          max_cpu_millis: 16000,
          max_memory_mib: 32768,
          max_gpus: 0,
          max_runners: 5,
        })
        .returning(["id", "namespace"])
        .executeTakeFirstOrThrow();
      workspaces.push(row.id);
      return row;
    },

    async addCredential(workspaceId, registryHost, secret, sealWith = cipher) {
      const id = randomUUID();
      await database.db
        .insertInto("registry_credentials")
        .values({
          id,
          workspace_id: workspaceId,
          name: `${secret.kind}-${id.slice(0, 8)}`,
          kind: secret.kind,
          registry_host: registryHost,
          ...sealRegistryCredential(sealWith, { workspaceId, credentialId: id }, secret),
        })
        .execute();
      return id;
    },

    async pullSecret(namespace, credentialId) {
      const secrets = await cluster.list<V1Secret>("v1", "Secret", {
        namespace,
        labelSelector: `hangar.dev/registry-credential-id=${credentialId}`,
      });
      return secrets[0];
    },

    async close() {
      for (const id of workspaces) {
        await activities.removeWorkspaceCluster(id).catch(() => undefined);
      }
      await ecr.stop();
      await database.close();
    },
  };
}

export function dockerConfig(secret: V1Secret | undefined): unknown {
  return JSON.parse(Buffer.from(secret?.data?.[".dockerconfigjson"] ?? "", "base64").toString());
}

/** One registry's entry of a docker config, as a pull Secret holds it. */
export const login = (username: string, password: string) => ({
  username,
  password,
  auth: Buffer.from(`${username}:${password}`).toString("base64"),
});
