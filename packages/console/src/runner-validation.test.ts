import { describe, expect, it } from "vitest";
import {
  changedFields,
  emptyDraft,
  splitList,
  validateDraft,
  type RunnerDraft,
} from "./runner-validation.js";

const valid: RunnerDraft = { ...emptyDraft, name: "hangar-4cpu", offeringId: "linux-x64-4cpu" };
const check = (changes: Partial<RunnerDraft>, retired: string[] = []) =>
  validateDraft({ ...valid, ...changes }, new Set(retired));

describe("runner form validation", () => {
  it("accepts a runner from an offering and a custom one", () => {
    expect(check({})).toEqual({});
    expect(
      check({
        source: "custom",
        offeringId: "",
        image: "ghcr.io/acme/r:1",
        cpu: "500m",
        memory: "2Gi",
      }),
    ).toEqual({});
  });

  it.each([
    ["", "name"],
    ["Hangar", "name"],
    ["-edge", "name"],
    ["a".repeat(64), "name"],
  ])("rejects the name %j", (name, field) => {
    expect(Object.keys(check({ name }))).toEqual([field]);
  });

  it("asks for an offering that is not retired", () => {
    expect(check({ offeringId: "" }).offeringId).toBe("Choose an offering.");
    expect(check({}, ["linux-x64-4cpu"]).offeringId).toMatch(/retired/);
  });

  it("checks custom images, Kubernetes quantities, labels and repositories", () => {
    const errors = check({ source: "custom", image: "", cpu: "2 cores", memory: "4GB" });
    expect(Object.keys(errors).sort()).toEqual(["cpu", "image", "memory"]);
    expect(check({ repositories: "acme/web\nnot-a-repo" }).repositories).toMatch(/not-a-repo/);
    expect(check({ labels: "linux, x64" })).toEqual({});
  });

  it("keeps min idle within max runners", () => {
    expect(check({ minIdle: "3", maxRunners: "2" }).minIdle).toMatch(/more idle/);
    expect(check({ maxRunners: "0" }).maxRunners).toMatch(/1 or more/);
    expect(check({ minIdle: "-1" }).minIdle).toBeDefined();
    expect(check({ minIdle: "2", maxRunners: "" })).toEqual({});
  });

  it("splits lists typed with commas, spaces or lines", () => {
    expect(splitList(" a, b\nc  d,,")).toEqual(["a", "b", "c", "d"]);
  });

  it("takes an empty pre-warming limit or a whole number", () => {
    expect(check({ prewarmMaxIdle: "" })).toEqual({});
    expect(check({ prewarmMaxIdle: "4" })).toEqual({});
    expect(Object.keys(check({ prewarmMaxIdle: "-1" }))).toEqual(["prewarmMaxIdle"]);
  });
});

describe("an edit's update_mask", () => {
  const before: RunnerDraft = { ...valid, labels: "linux, x64", minIdle: "1", maxRunners: "10" };

  it("names only the fields that changed, ignoring list formatting", () => {
    expect(changedFields(before, { ...before, labels: "linux,\nx64" })).toEqual([]);
    expect(
      changedFields(before, { ...before, minIdle: "2", prewarmMaxIdle: "3", labels: "linux" }),
    ).toEqual(["labels", "min_idle", "prewarm_max_idle"]);
  });

  it("never names what cannot change, and image fields only for custom runners", () => {
    expect(changedFields(before, { ...before, name: "other", image: "x:1", cpu: "8" })).toEqual([]);
    const custom: RunnerDraft = { ...before, source: "custom", image: "a:1", cpu: "2" };
    expect(changedFields(custom, { ...custom, image: "a:2", cpu: "4" })).toEqual(["image", "cpu"]);
  });
});
