import { describe, expect, it } from "vitest";
import { ecrRegion, RegistryLoginError, type EcrKey } from "./ecr.js";
import { GCP_JSON_KEY_USERNAME, registryLogin } from "./registry-logins.js";

const now = new Date("2026-03-01T00:00:00Z");

/** Records the key it was asked to exchange; the HTTP exchange is tested against a fake ECR API. */
function recordingEcr() {
  const keys: EcrKey[] = [];
  return {
    keys,
    login(key: EcrKey) {
      keys.push(key);
      return Promise.resolve({
        username: "AWS",
        password: "token",
        issuedAt: now,
        expiresAt: new Date(now.getTime() + 12 * 3600_000),
      });
    },
  };
}

describe("ecrRegion", () => {
  it.each([
    ["123456789012.dkr.ecr.eu-west-1.amazonaws.com", "eu-west-1"],
    ["123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com", "us-gov-west-1"],
    ["123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn", "cn-north-1"],
    ["public.ecr.aws", null],
    ["registry.example.com", null],
    ["123456789012.dkr.ecr.eu-west-1.amazonaws.com.evil.example", null],
  ])("%s → %s", (host, region) => {
    expect(ecrRegion(host)).toBe(region);
  });
});

describe("registryLogin", () => {
  it("uses basic credentials as they are and GCP keys as _json_key", async () => {
    const ecr = recordingEcr();
    expect(
      await registryLogin({ kind: "basic", username: "u", password: "p" }, "r.example.com", {
        ecr,
        now,
      }),
    ).toEqual({ username: "u", password: "p", issuedAt: now, expiresAt: null });
    expect(
      await registryLogin({ kind: "gcp", serviceAccountKey: "{…}" }, "us-docker.pkg.dev", {
        ecr,
        now,
      }),
    ).toEqual({ username: GCP_JSON_KEY_USERNAME, password: "{…}", issuedAt: now, expiresAt: null });
    expect(ecr.keys).toEqual([]);
  });

  it("exchanges AWS keys in the registry's region unless the credential names one", async () => {
    const ecr = recordingEcr();
    const key = { kind: "aws" as const, accessKeyId: "AKIAHANGARTEST000001", secretAccessKey: "s" };
    await registryLogin(key, "123456789012.dkr.ecr.ap-south-1.amazonaws.com", { ecr, now });
    await registryLogin({ ...key, region: "eu-central-1" }, "ecr.internal.example", { ecr, now });
    expect(ecr.keys.map((k) => k.region)).toEqual(["ap-south-1", "eu-central-1"]);
    await expect(registryLogin(key, "ecr.internal.example", { ecr, now })).rejects.toBeInstanceOf(
      RegistryLoginError,
    );
  });
});
