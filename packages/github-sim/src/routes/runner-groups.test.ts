import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../clock.js";
import type { RepositoryRecord, RunnerGroupRecord } from "../state/records.js";
import { groupAdmits } from "../state/runner-groups.js";
import { startSimulator, type Simulator } from "../simulator.js";
import { api, installationToken } from "../testing/rest.js";

// Runner groups over REST, and GitHub's rule that a job is offered only to runners
// whose group its repository may use.

const groups = "/orgs/acme/actions/runner-groups";

interface Group {
  id: number;
  name: string;
  visibility: string;
  default: boolean;
  allows_public_repositories: boolean;
  selected_repositories_url?: string;
}

describe("runner groups over REST", () => {
  const clock = new ManualClock();
  let sim: Simulator;
  let token: string;
  let web: number;
  let api2: number;

  beforeAll(async () => {
    sim = await startSimulator({ clock });
    const installation = await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web", "api"],
    });
    [web, api2] = installation.repositories.map((r) => r.id) as [number, number];
    token = await installationToken(sim, installation.installationId, clock.now());
  });
  afterAll(async () => sim.close());

  it("creates a selected group (201), gets, renames (200) and lists it beside Default", async () => {
    const created = await api(sim, "POST", groups, {
      token,
      body: { name: "hangar-web", visibility: "selected", selected_repository_ids: [web] },
    });
    expect(created.status).toBe(201);
    const group = created.body as Group;
    expect(group).toMatchObject({
      name: "hangar-web",
      visibility: "selected",
      default: false,
      allows_public_repositories: false,
    });
    expect(group.selected_repositories_url).toMatch(
      new RegExp(`/orgs/acme/actions/runner-groups/${group.id}/repositories$`),
    );
    const got = await api(sim, "GET", `${groups}/${group.id}`, { token });
    expect(got).toMatchObject({ status: 200, body: { id: group.id, name: "hangar-web" } });

    const renamed = await api(sim, "PATCH", `${groups}/${group.id}`, {
      token,
      body: { name: "hangar-web-2", allows_public_repositories: true },
    });
    expect(renamed).toMatchObject({
      status: 200,
      body: { name: "hangar-web-2", visibility: "selected", allows_public_repositories: true },
    });
    const listed = await api(sim, "GET", groups, { token });
    expect(listed.body).toMatchObject({
      total_count: 2,
      runner_groups: [
        { id: 1, name: "Default", default: true, visibility: "all" },
        { id: group.id, name: "hangar-web-2" },
      ],
    });
    const visible = await api(sim, "GET", `${groups}?visible_to_repository=api`, { token });
    expect((visible.body as { runner_groups: Group[] }).runner_groups.map((g) => g.id)).toEqual([
      1,
    ]);
  });

  it("lists, sets, adds and removes a group's repositories (204s)", async () => {
    const { body } = await api(sim, "POST", groups, {
      token,
      body: { name: "repos", visibility: "selected", selected_repository_ids: [web] },
    });
    const url = `${groups}/${(body as Group).id}/repositories`;
    const names = async () =>
      (
        (await api(sim, "GET", url, { token })).body as {
          total_count: number;
          repositories: { full_name: string }[];
        }
      ).repositories.map((r) => r.full_name);
    expect(await names()).toEqual(["acme/web"]);
    expect(
      (await api(sim, "PUT", url, { token, body: { selected_repository_ids: [api2] } })).status,
    ).toBe(204);
    expect(await names()).toEqual(["acme/api"]);
    expect((await api(sim, "PUT", `${url}/${web}`, { token })).status).toBe(204);
    expect(await names()).toEqual(["acme/web", "acme/api"]);
    expect((await api(sim, "DELETE", `${url}/${api2}`, { token })).status).toBe(204);
    expect(await names()).toEqual(["acme/web"]);
  });

  it("answers 409 for a taken name, 422 for bad input, 404 for unknown groups and other orgs", async () => {
    expect((await api(sim, "POST", groups, { token, body: { name: "HANGAR-WEB-2" } })).status).toBe(
      409,
    );
    expect((await api(sim, "POST", groups, { token, body: {} })).status).toBe(422);
    expect(
      (await api(sim, "POST", groups, { token, body: { name: "x", visibility: "some" } })).status,
    ).toBe(422);
    expect(
      (await api(sim, "POST", groups, { token, body: { name: "x", selected_repository_ids: [1] } }))
        .status,
    ).toBe(422);
    const { body } = await api(sim, "POST", groups, { token, body: { name: "open" } });
    const open = body as Group;
    // Adding one repository needs `selected` visibility.
    expect(
      (await api(sim, "PUT", `${groups}/${open.id}/repositories/${web}`, { token })).status,
    ).toBe(422);
    expect(
      (await api(sim, "PUT", `${groups}/${open.id}/repositories`, { token, body: {} })).status,
    ).toBe(422);
    expect((await api(sim, "GET", `${groups}/9999`, { token })).status).toBe(404);
    expect((await api(sim, "GET", "/orgs/other/actions/runner-groups", { token })).status).toBe(
      404,
    );
    // The Default group cannot be deleted.
    expect((await api(sim, "DELETE", `${groups}/1`, { token })).status).toBe(422);
    expect((await api(sim, "DELETE", `${groups}/${open.id}`, { token })).status).toBe(204);
    expect((await api(sim, "GET", `${groups}/${open.id}`, { token })).status).toBe(404);
  });
});

describe("assignment by runner group", () => {
  let clock: ManualClock;
  let sim: Simulator;
  let token: string;
  let web: number;

  beforeAll(async () => {
    clock = new ManualClock();
    sim = await startSimulator({ clock });
    const installation = await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web", "api"],
    });
    web = installation.repositories[0]!.id;
    token = await installationToken(sim, installation.installationId, clock.now());
  });
  afterAll(async () => sim.close());

  const job = async (id: number) => (await sim.control.jobs()).find((j) => j.id === id)!;
  const queue = async (repository: string, label: string) =>
    (
      await sim.control.queueWorkflowRun({
        repository,
        jobs: [{ name: "build", labels: ["self-hosted", label], durationMs: 30_000 }],
      })
    ).jobIds[0]!;
  const runnerIn = async (name: string, groupId: number, label: string) => {
    const res = await api(sim, "POST", "/orgs/acme/actions/runners/generate-jitconfig", {
      token,
      body: { name, runner_group_id: groupId, labels: [label] },
    });
    expect(res.status).toBe(201);
    await sim.control.connectRunner(name);
  };

  it("offers a job only to runners whose group admits its repository", async () => {
    const { body } = await api(sim, "POST", groups, {
      token,
      body: { name: "web-only", visibility: "selected", selected_repository_ids: [web] },
    });
    const group = body as Group;
    await runnerIn("web-runner", group.id, "tenant");
    // Queued first, so it would be offered first: a runner of the group must not take it.
    const fromApi = await queue("acme/api", "tenant");
    const fromWeb = await queue("acme/web", "tenant");
    await sim.control.tick();
    expect(await job(fromApi)).toMatchObject({ status: "queued", runnerId: null });
    expect(await job(fromWeb)).toMatchObject({
      status: "in_progress",
      runnerName: "web-runner",
      runnerGroupId: group.id,
      runnerGroupName: "web-only",
    });
    // A runner of the Default group may take it.
    await runnerIn("default-runner", 1, "tenant");
    await sim.control.tick();
    expect(await job(fromApi)).toMatchObject({
      status: "in_progress",
      runnerName: "default-runner",
    });
  });

  it("serves a private-visibility group's runners to private repositories", async () => {
    const { body } = await api(sim, "POST", groups, {
      token,
      body: { name: "private-only", visibility: "private" },
    });
    await runnerIn("private-runner", (body as Group).id, "private-label");
    const privateJob = await queue("acme/web", "private-label");
    await sim.control.tick();
    expect(await job(privateJob)).toMatchObject({ runnerName: "private-runner" });
  });

  it("returns the runners of a deleted group to the Default group", async () => {
    const { body } = await api(sim, "POST", groups, {
      token,
      body: { name: "short-lived", visibility: "selected", selected_repository_ids: [] },
    });
    const group = body as Group;
    await runnerIn("orphan", group.id, "orphan-label");
    const listed = await api(sim, "GET", `${groups}/${group.id}/runners`, { token });
    expect(listed.body).toMatchObject({ total_count: 1, runners: [{ name: "orphan" }] });
    const waiting = await queue("acme/web", "orphan-label");
    await sim.control.tick();
    expect(await job(waiting)).toMatchObject({ status: "queued" });
    expect((await api(sim, "DELETE", `${groups}/${group.id}`, { token })).status).toBe(204);
    await sim.control.tick();
    expect(await job(waiting)).toMatchObject({
      status: "in_progress",
      runnerName: "orphan",
      runnerGroupId: 1,
    });
  });
});

describe("which repositories a group admits", () => {
  const group = (over: Partial<RunnerGroupRecord>): RunnerGroupRecord => ({
    id: 5,
    name: "g",
    orgLogin: "acme",
    isDefault: false,
    visibility: "all",
    selectedRepositoryIds: [],
    allowsPublicRepositories: false,
    ...over,
  });
  const repo = (id: number, isPrivate: boolean) =>
    ({ id, private: isPrivate }) as unknown as RepositoryRecord;

  it.each([
    ["all, private repo", group({}), repo(1, true), true],
    ["all, public repo, public not allowed", group({}), repo(1, false), false],
    [
      "all, public repo, public allowed",
      group({ allowsPublicRepositories: true }),
      repo(1, false),
      true,
    ],
    ["private, private repo", group({ visibility: "private" }), repo(1, true), true],
    [
      "private, public repo",
      group({ visibility: "private", allowsPublicRepositories: true }),
      repo(1, false),
      false,
    ],
    [
      "selected, listed",
      group({ visibility: "selected", selectedRepositoryIds: [1] }),
      repo(1, true),
      true,
    ],
    [
      "selected, not listed",
      group({ visibility: "selected", selectedRepositoryIds: [2] }),
      repo(1, true),
      false,
    ],
  ])("%s", (_name, g, r, admitted) => {
    expect(groupAdmits(g, r)).toBe(admitted);
  });
});
