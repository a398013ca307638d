import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "vite";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { chromiumArgs, ensureChromium, uniqueSuffix } from "@hangar/testkit";
import { startRunnerHarness, type RunnerHarness } from "../../server/test/runner-harness.js";
import { tokenFor, workspaceWithTuples } from "../../server/src/api/test/harness.js";
import { startApiServer, type RunningApi } from "../../server/src/api/start-api.js";
import { writeProjectTuples, writeWorkspaceTuples } from "../../server/src/authz/index.js";
import { createLogger } from "../../server/src/observability/logger.js";

// The dashboard against the real platform: the simulated GitHub sends webhooks to the
// intake, job workflows run on the worker, runner pools start real pods on the local
// cluster (kwok plays the nodes), and the API role serves the built dashboard and the
// Connect API from one origin. Chromium signs in with real API tokens. Each page is
// photographed into test-results/console/platform-*.png.

const consoleDir = resolve(import.meta.dirname, "..");
const shots = resolve(consoleDir, "../../test-results/console");
/** Jobs go through GitHub, Temporal and Kubernetes on a loaded machine: be patient. */
const PLATFORM_MS = 180_000;

let outDir: string | undefined;
let h: RunnerHarness;
let api: RunningApi;
let browser: Browser;
const contexts: BrowserContext[] = [];
const tokens = { owner: "", viewer: "" };
const workspace = { slug: "", name: "" };
const other = { slug: "", name: "" };
let offeringId: string;
const runnerName = `e2e-${uniqueSuffix()
  .slice(0, 8)
  .toLowerCase()
  .replace(/[^a-z0-9]/g, "0")}`;
let runnerId = "";
let jobIds: number[] = [];

beforeAll(async () => {
  const executablePath = await ensureChromium();
  outDir = mkdtempSync(join(tmpdir(), "hangar-console-platform-"));
  await build({
    root: consoleDir,
    configFile: join(consoleDir, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  h = await startRunnerHarness();
  const db = h.database.db;
  const { workspaceId, projectId } = h.tenant;
  // The workspace's runners run in this test's namespace, which the harness cleans up.
  await db
    .updateTable("workspaces")
    .set({ namespace: h.namespace.name })
    .where("id", "=", workspaceId)
    .execute();
  await db.transaction().execute(async (trx) => {
    await writeWorkspaceTuples(trx, workspaceId);
    await writeProjectTuples(trx, workspaceId, projectId);
  });
  tokens.owner = await tokenFor(db, workspaceId, "owner");
  tokens.viewer = await tokenFor(db, workspaceId, "viewer");
  const second = await workspaceWithTuples(db);
  for (const [id, target] of [
    [workspaceId, workspace],
    [second.workspaceId, other],
  ] as const) {
    const row = await db
      .selectFrom("workspaces")
      .select(["slug", "name"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    Object.assign(target, row);
  }
  // A small offering, so that the pods fit the kwok nodes and the test's quota.
  offeringId = `e2e-small-${uniqueSuffix().slice(0, 6).toLowerCase()}`;
  await db
    .insertInto("runner_offerings")
    .values({
      id: offeringId,
      name: offeringId,
      cpu: "500m",
      memory: "512Mi",
      arch: "amd64",
      spot: false,
      image_repository: "ghcr.io/actions/actions-runner",
      image_tag: "2.330.0",
      price_per_minute: "0.008000",
    })
    .execute();
  api = await startApiServer({
    db,
    temporalClient: h.isolated.client,
    taskQueue: h.temporal.taskQueue,
    logger: createLogger({ level: "silent" }),
    host: "127.0.0.1",
    port: 0,
    maxBodyBytes: 1024 * 1024,
    rateLimit: { perSecond: 10_000, burst: 10_000 },
    consoleDir: outDir,
  });
  browser = await chromium.launch({ executablePath, args: chromiumArgs });
  mkdirSync(shots, { recursive: true });
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  // Whatever beforeAll got to start, even if it failed halfway.
  await (browser as Browser | undefined)?.close();
  await (api as RunningApi | undefined)?.stop();
  await (h as RunnerHarness | undefined)?.close();
  if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
});

async function signedIn(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${api.url}/`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(new RegExp(`/w/${workspace.slug}$`));
  return page;
}

/** Clicks a download button; the saved file's text, or the page's error if it shows one. */
async function downloaded(page: Page, button: string): Promise<string> {
  const failed = page
    .getByRole("alert")
    .first()
    .waitFor()
    .then(async () => {
      throw new Error(`download failed: ${await page.getByRole("alert").first().textContent()}`);
    });
  const [download] = await Promise.race([
    Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: button }).click(),
    ]),
    failed,
  ]);
  failed.catch(() => undefined);
  return readFile(await download.path(), "utf8");
}

const shoot = (page: Page, name: string) =>
  page.screenshot({ path: join(shots, `platform-${name}.png`), fullPage: true });

describe("the dashboard on the running platform", () => {
  it("is served by the API role, which signs an owner in; the owner creates a runner", async () => {
    const page = await signedIn(tokens.owner);
    expect(await page.getByTestId("caller-role").textContent()).toBe("owner");
    await page.getByTestId("stat-Jobs completed").waitFor();
    await shoot(page, "overview");

    await page.getByRole("link", { name: "Runners", exact: true }).click();
    await page.getByRole("link", { name: "New runner" }).click();
    await page.getByLabel("Name", { exact: true }).fill(runnerName);
    await page.getByLabel("Offering", { exact: true }).selectOption(offeringId);
    await page.getByLabel("Maximum runners").fill("3");
    await shoot(page, "runner-form");
    await page.getByRole("button", { name: "Create runner" }).click();
    await page.getByRole("heading", { name: new RegExp(`Runners / ${runnerName}`) }).waitFor();
    runnerId = decodeURIComponent(new URL(page.url()).pathname.split("/").at(-1) ?? "");

    const row = await h.database.db
      .selectFrom("runners")
      .select(["name", "offering_id", "max_runners", "namespace", "workspace_id"])
      .where("id", "=", runnerId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      name: runnerName,
      offering_id: offeringId,
      max_runners: 3,
      namespace: h.namespace.name,
      workspace_id: h.tenant.workspaceId,
    });
    await shoot(page, "runner-created");
  });

  it(
    "shows simulator jobs for the runner appear and complete, and the runner's metrics count them",
    async () => {
      expect(runnerId).not.toBe("");
      const page = await signedIn(tokens.owner);
      page.setDefaultTimeout(PLATFORM_MS);
      await page.getByRole("link", { name: "Jobs", exact: true }).click();
      await page.waitForURL(/\/jobs$/);

      jobIds = await h.queueJobs(
        ["build", "test"].map((name) => ({
          name,
          labels: ["self-hosted", runnerName],
          durationMs: 1_500,
        })),
      );
      // The page polls: each job shows up, then completes, without a reload.
      for (const id of jobIds) await page.locator(`tr[data-job-id="${id}"]`).waitFor();
      await shoot(page, "jobs-appearing");
      for (const id of jobIds) {
        await page
          .locator(`tr[data-job-id="${id}"]`)
          .locator(".badge", { hasText: "success" })
          .waitFor();
      }
      await shoot(page, "jobs-completed");

      await page.goto(`${api.url}/w/${workspace.slug}/runners/${runnerId}`);
      await page.waitForFunction(
        (count) =>
          document.querySelector('[data-testid="stat-Jobs completed"]')?.textContent === count,
        String(jobIds.length),
      );
      for (const id of jobIds) await page.locator(`tr[data-job-id="${id}"]`).waitFor();
      await page.getByTestId(`fleet-${runnerName}`).waitFor();
      await shoot(page, "runner-detail");
    },
    PLATFORM_MS * 2,
  );

  it(
    "downloads the month's usage as CSV, with the jobs just billed",
    { timeout: PLATFORM_MS * 2 },
    async () => {
      expect(jobIds).toHaveLength(2);
      const page = await signedIn(tokens.owner);
      page.setDefaultTimeout(PLATFORM_MS);
      await page.getByRole("link", { name: "Usage & cost" }).click();
      // Billing follows completion; the current month's statement polls until it has both.
      const line = page
        .getByRole("table", { name: "Statement" })
        .locator(`tr[data-offering="${offeringId}"]`);
      // Its second cell is the job count.
      await line.locator("td:nth-child(2)", { hasText: /^2$/ }).waitFor();
      await shoot(page, "usage");

      const rows = (await downloaded(page, "Download CSV (jobs)")).trim().split("\r\n");
      const header = (rows[0] ?? "").split(",");
      const jobColumn = header.indexOf("github_job_id");
      const offeringColumn = header.indexOf("offering_id");
      expect(jobColumn).toBeGreaterThanOrEqual(0);
      const billed = rows
        .slice(1)
        .map((r) => r.split(","))
        .filter((fields) => fields[offeringColumn] === offeringId)
        .map((fields) => Number(fields[jobColumn]));
      expect(billed.sort()).toEqual([...jobIds].sort());

      const text = await downloaded(page, "Download CSV (statement)");
      const offeringRow = text
        .split("\r\n")
        .find((r) => r.startsWith("offering,") && r.includes(offeringId));
      expect(offeringRow?.split(",")[6]).toBe("2");
    },
  );

  it(
    "edits the runner to keep one idle instance, which its live fleet counts then show",
    { timeout: PLATFORM_MS * 2 },
    async () => {
      const page = await signedIn(tokens.owner);
      page.setDefaultTimeout(PLATFORM_MS);
      await page.goto(`${api.url}/w/${workspace.slug}/runners/${runnerId}/edit`);
      await page.getByRole("heading", { name: `Edit ${runnerName}` }).waitFor();
      await page.getByLabel("Minimum idle").fill("1");
      await page.getByRole("button", { name: "Save changes" }).click();
      await page.getByRole("heading", { name: new RegExp(`Runners / ${runnerName}`) }).waitFor();
      const row = await h.database.db
        .selectFrom("runners")
        .select(["min_idle", "max_runners"])
        .where("id", "=", runnerId)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ min_idle: 1, max_runners: 3 });

      // The pool starts a runner that registers and waits: the list, polling, shows it idle.
      await page.getByRole("link", { name: "Runners", exact: true }).first().click();
      const fleet = page.getByTestId(`fleet-${runnerName}`);
      await fleet.getByTestId("fleet-desired").filter({ hasText: /^1$/ }).waitFor();
      await fleet.getByTestId("fleet-idle").filter({ hasText: /^1$/ }).waitFor();
      await fleet.getByTestId("fleet-registered").filter({ hasText: /^1$/ }).waitFor();
      await shoot(page, "runners-fleet");
    },
  );

  it("shows a viewer no edit buttons and no other workspace", async () => {
    const page = await signedIn(tokens.viewer);
    expect(await page.getByTestId("caller-role").textContent()).toBe("viewer");
    const options = await page.getByLabel("Workspace").locator("option").allTextContents();
    expect(options).toEqual([workspace.name]);

    await page.getByRole("link", { name: "Runners", exact: true }).click();
    await page
      .getByRole("table", { name: "Runners" })
      .getByRole("link", { name: runnerName })
      .waitFor();
    for (const name of ["New runner", "Edit", "Suspend", "Resume", "Delete", "Duplicate"]) {
      expect(await page.getByRole("button", { name }).count()).toBe(0);
      expect(await page.getByRole("link", { name, exact: true }).count()).toBe(0);
    }
    await shoot(page, "runners-viewer");
    await page.getByRole("link", { name: runnerName }).click();
    await page.getByRole("heading", { name: new RegExp(runnerName) }).waitFor();
    expect(await page.getByRole("link", { name: "Edit", exact: true }).count()).toBe(0);
    await page.goto(`${api.url}/w/${workspace.slug}/runners/${runnerId}/edit`);
    await page.getByRole("heading", { name: "Not allowed" }).waitFor();

    await page.getByRole("link", { name: "Usage & cost" }).click();
    await page.getByRole("table", { name: "Statement" }).waitFor();
    expect(await page.getByRole("button", { name: /Download CSV/ }).count()).toBe(0);
    await shoot(page, "usage-viewer");

    await page.goto(`${api.url}/w/${other.slug}`);
    await page.getByRole("heading", { name: "Workspace not found" }).waitFor();
    await shoot(page, "viewer-other-workspace");
  });
});
