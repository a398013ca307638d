import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { build } from "vite";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { chromiumArgs, ensureChromium } from "@hangar/testkit";
import { ADMIN_TOKEN, VIEWER_TOKEN } from "./fake-data.js";
import { startFakeApi, type FakeApi } from "./fake-api.js";

// The dashboard, built as for production, in Debian's Chromium against the fake API.
// Every page is photographed into test-results/console/ for people to look at.

const consoleDir = resolve(import.meta.dirname, "..");
const shots = resolve(consoleDir, "../../test-results/console");
let outDir: string | undefined;
let api: FakeApi;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  const executablePath = await ensureChromium();
  outDir = mkdtempSync(join(tmpdir(), "hangar-console-"));
  await build({
    root: consoleDir,
    configFile: join(consoleDir, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
  api = await startFakeApi({ staticDir: outDir });
  browser = await chromium.launch({ executablePath, args: chromiumArgs });
  mkdirSync(shots, { recursive: true });
  console.log(`console screenshots: ${shots}`);
});

afterAll(async () => {
  for (const context of contexts) await context.close();
  // Whatever beforeAll got to start, even if it failed halfway.
  await (browser as Browser | undefined)?.close();
  await (api as FakeApi | undefined)?.close();
  if (outDir !== undefined) rmSync(outDir, { recursive: true, force: true });
});

async function signedIn(token: string, colorScheme: "light" | "dark" = "light"): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: 1366, height: 768 },
    colorScheme,
    permissions: ["clipboard-read", "clipboard-write"],
  });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${api.url}/`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/w\/acme$/);
  return page;
}

const shoot = (page: Page, name: string) =>
  page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });

describe("the dashboard", () => {
  it("refuses a wrong token and signs an admin in to the overview with its metrics", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${api.url}/w/acme/runners`);
    await page.getByLabel("API token").fill("hgr_not_a_token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "not valid" }).waitFor();
    await shoot(page, "sign-in");

    const admin = await signedIn(ADMIN_TOKEN);
    expect(await admin.getByTestId("caller-role").textContent()).toBe("admin");
    // The seeded hour holds 48 finished jobs; the headline counts them all.
    const total = admin.getByTestId("stat-Jobs completed");
    await admin.waitForFunction(
      () => Number(document.querySelector('[data-testid="stat-Jobs completed"]')?.textContent) > 0,
    );
    expect(Number(await total.textContent())).toBeGreaterThan(40);
    await admin.locator("figure[aria-label='Queue time'] svg .recharts-line").first().waitFor();
    await shoot(admin, "overview");
    const dark = await signedIn(ADMIN_TOKEN, "dark");
    await dark
      .locator("figure[aria-label='Jobs per minute'] svg .recharts-bar-rectangle")
      .first()
      .waitFor();
    await shoot(dark, "overview-dark");
  });

  it("signs in from a #token= link, as npm start prints it, and drops the token from the address", async () => {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    await page.goto(`${api.url}/#token=${ADMIN_TOKEN}`);
    await page.waitForURL(/\/w\/acme$/);
    expect(await page.getByTestId("caller-role").textContent()).toBe("admin");
    const location = await page.evaluate(() => ({
      href: window.location.href,
      kept: sessionStorage.getItem("hangar.token"),
    }));
    expect(location.href).toBe(`${api.url}/w/acme`);
    expect(location.href).not.toContain(ADMIN_TOKEN);
    expect(location.kept).toBe(ADMIN_TOKEN);
    // The history entry that held the token was replaced, not left behind to go back to.
    await page.goBack();
    expect(page.url()).toBe("about:blank");

    // A link with a token that is not valid ends on the sign-in page, signed out.
    const stale = await (await browser.newContext()).newPage();
    await stale.goto(`${api.url}/#token=hgr_not_a_token`);
    await stale.getByLabel("API token").waitFor();
    expect(await stale.evaluate(() => window.location.hash)).toBe("");
    expect(await stale.evaluate(() => sessionStorage.getItem("hangar.token"))).toBeNull();
    await stale.context().close();
  });

  it("creates a runner after pointing out invalid fields, lists it, and shows jobs reaching it", async () => {
    const page = await signedIn(ADMIN_TOKEN);
    await page.getByRole("link", { name: "Runners", exact: true }).click();
    await page
      .getByRole("table", { name: "Runners" })
      .getByRole("link", { name: "hangar-small" })
      .waitFor();
    await shoot(page, "runners");

    await page.getByRole("link", { name: "New runner" }).click();
    await page.getByLabel("Name", { exact: true }).fill("E2E runner");
    await page.getByRole("button", { name: "Create runner" }).click();
    await page.getByText("Lowercase letters, digits and '-'").waitFor();
    await page.getByText("Choose an offering.").waitFor();
    await shoot(page, "runner-form-invalid");

    await page.getByLabel("Name", { exact: true }).fill("e2e-runner");
    await page.getByLabel("Offering", { exact: true }).selectOption("linux-x64-4cpu");
    await page.getByLabel("Extra labels").fill("linux, e2e");
    await page.getByLabel("Minimum idle").fill("2");
    await page.getByRole("button", { name: "Create runner" }).click();
    await page.getByRole("heading", { name: /Runners \/ e2e-runner/ }).waitFor();
    expect(api.state.runners.find((r) => r.name === "e2e-runner")?.labels).toEqual([
      "linux",
      "e2e",
    ]);

    // A job for the new runner appears, starts and completes while the page polls.
    const id = api.queueJob("ws-acme", "e2e-runner", "acme/web");
    const row = page.locator(`tr[data-job-id="${id}"]`);
    await row.locator(".badge", { hasText: "queued" }).waitFor();
    api.startJob(id);
    await row.locator(".badge", { hasText: "in progress" }).waitFor();
    api.completeJob(id, "success");
    await row.locator(".badge", { hasText: "success" }).waitFor();
    // ...and the runner's metrics count it.
    await page.waitForFunction(
      () => document.querySelector('[data-testid="stat-Jobs completed"]')?.textContent === "1",
    );
    await shoot(page, "runner-detail");

    await page.getByRole("link", { name: "Runners", exact: true }).first().click();
    await page
      .getByRole("table", { name: "Runners" })
      .getByRole("link", { name: "e2e-runner" })
      .waitFor();
  });

  it("edits a runner, sending only what changed, and shows its fleet live", async () => {
    const page = await signedIn(ADMIN_TOKEN);
    await page.goto(`${api.url}/w/acme/runners/rn-small`);
    await page.getByRole("link", { name: "Edit", exact: true }).click();
    await page.getByRole("heading", { name: "Edit hangar-small" }).waitFor();
    expect(await page.getByLabel("Name", { exact: true }).getAttribute("readonly")).not.toBeNull();
    expect(await page.getByLabel("Offering", { exact: true }).isDisabled()).toBe(true);
    await page.getByLabel("Minimum idle").fill("2");
    await page.getByLabel("Pre-warm up to").fill("3");
    await shoot(page, "runner-edit");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("heading", { name: /Runners \/ hangar-small/ }).waitFor();
    expect(api.state.updates.at(-1)).toEqual({
      runnerId: "rn-small",
      updateMask: ["min_idle", "prewarm_max_idle"],
    });
    const runner = api.state.runners.find((r) => r.id === "rn-small");
    expect([runner?.minIdle, runner?.prewarmMaxIdle, runner?.labels]).toEqual([2, 3, ["linux"]]);

    // Two queued jobs and one running: the runners list shows them as the pool sees them.
    await page.getByRole("link", { name: "Runners", exact: true }).first().click();
    const fleet = page.getByTestId("fleet-hangar-small");
    await fleet.getByTestId("fleet-idle").filter({ hasText: "2" }).waitFor();
    const first = api.queueJob("ws-acme", "hangar-small", "acme/web");
    api.queueJob("ws-acme", "hangar-small", "acme/web");
    api.startJob(first);
    await fleet.getByTestId("fleet-busy").filter({ hasText: "1" }).waitFor();
    await fleet.getByTestId("fleet-desired").filter({ hasText: "4" }).waitFor();
    await shoot(page, "runners-fleet");
  });

  it("shows the month's statement and chart, and downloads both CSV exports", async () => {
    const page = await signedIn(ADMIN_TOKEN);
    await page.getByRole("link", { name: "Usage & cost" }).click();
    const statement = page.getByRole("table", { name: "Statement" });
    await statement.getByText("hangar-2cpu").waitFor();
    await page
      .locator("figure[aria-label='Billed minutes per day'] .recharts-bar-rectangle")
      .first()
      .waitFor();
    await page.getByTestId("total-USD").waitFor();
    await shoot(page, "usage");

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV (statement)" }).click(),
    ]);
    const csv = await readFile(await download.path(), "utf8");
    const rows = csv.trim().split("\r\n");
    expect(rows[0]).toMatch(/^row,period_from,period_to,offering_id/);
    expect(rows.filter((r) => r.startsWith("offering,")).length).toBeGreaterThan(0);
    expect(rows.some((r) => r.startsWith("total,") && r.includes(",USD,"))).toBe(true);

    const [events] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Download CSV (jobs)" }).click(),
    ]);
    expect(events.suggestedFilename()).toMatch(/^acme-usage-\d{4}-\d{2}-events\.csv$/);
    const jobs = (await readFile(await events.path(), "utf8")).trim().split("\r\n");
    expect(jobs[0]).toMatch(/^occurred_at,github_job_id/);
    expect(jobs.length).toBeGreaterThan(1);

    // A month without jobs says so rather than drawing an empty statement.
    await page.getByLabel("Month").fill("2020-01");
    await page.getByRole("heading", { name: "Nothing billed in this period" }).waitFor();
  });

  it("suspends a runner after confirmation", async () => {
    const page = await signedIn(ADMIN_TOKEN);
    await page.goto(`${api.url}/w/acme/runners/rn-4cpu`);
    await page.getByRole("button", { name: "Suspend" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Suspend" }).click();
    await page.getByRole("button", { name: "Resume" }).waitFor();
    expect(api.state.runners.find((r) => r.id === "rn-4cpu")?.status).toBe("suspended");
  });

  it("filters jobs through the query string and shows a job's timeline", async () => {
    const page = await signedIn(ADMIN_TOKEN);
    await page.getByRole("link", { name: "Jobs" }).click();
    const table = page.getByRole("table", { name: "Jobs" });
    await table.locator("tbody tr").first().waitFor();
    await page.getByLabel("Repository").fill("acme/api");
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/repository=acme%2Fapi/);
    await page.getByLabel("Conclusion").selectOption("failure");
    await page.waitForURL(/conclusion=failure/);
    await page.waitForFunction(() =>
      [...document.querySelectorAll("table[aria-label=Jobs] tbody tr")].every(
        (tr) => tr.textContent.includes("acme/api") && tr.textContent.includes("failure"),
      ),
    );
    const rows = await table.locator("tbody tr").count();
    const expected = api.state.jobs.filter(
      (j) => j.repository === "acme/api" && j.conclusion === "failure",
    ).length;
    expect(rows).toBe(expected);
    await shoot(page, "jobs-filtered");

    await table.locator("tbody tr a").first().click();
    const timeline = page.getByRole("list", { name: "Timeline" });
    for (const step of ["queued", "runner ready", "in progress", "completed"]) {
      await timeline.getByText(step, { exact: true }).waitFor();
    }
    const link = page.getByRole("link", { name: /Job on GitHub/ });
    expect(await link.getAttribute("href")).toMatch(
      /^https:\/\/github\.com\/acme\/api\/actions\/runs\/\d+\/job\/\d+$/,
    );
    await shoot(page, "job");
  });

  it("shows installations with their runs-on labels, members, a new token once and the audit log", async () => {
    const page = await signedIn(ADMIN_TOKEN);
    await page.getByRole("link", { name: "Installations" }).click();
    await page.getByRole("button", { name: "Show repositories" }).click();
    await page.getByText("no runner matches").waitFor();
    await page.getByText("served by hangar-small").first().waitFor();
    await shoot(page, "installations");

    await page.getByRole("link", { name: "Members & tokens" }).click();
    await page.getByRole("table", { name: "Members" }).getByText("owen@acme.test").waitFor();
    await page.getByLabel("Name").fill("ci-deploy");
    await page.getByRole("button", { name: "Create token" }).click();
    const secret = await page.getByTestId("token-secret").textContent();
    expect(secret).toMatch(/^hgr_/);
    await shoot(page, "members");
    await page.getByRole("button", { name: "Done" }).click();
    expect(await page.getByTestId("token-secret").count()).toBe(0);

    await page.getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("button", { name: "Show change" }).first().click();
    await page.getByText('"status": "suspended"').waitFor();
    await shoot(page, "audit");
  });

  it("shows a viewer no edit actions and no other workspace", async () => {
    const page = await signedIn(VIEWER_TOKEN);
    expect(await page.getByTestId("caller-role").textContent()).toBe("viewer");
    const options = await page.getByLabel("Workspace").locator("option").allTextContents();
    expect(options).toEqual(["Acme Corp"]);

    await page.getByRole("link", { name: "Runners", exact: true }).click();
    await page
      .getByRole("table", { name: "Runners" })
      .getByRole("link", { name: "hangar-small" })
      .waitFor();
    for (const name of ["New runner", "Edit", "Suspend", "Resume", "Delete", "Duplicate"]) {
      expect(await page.getByRole("button", { name }).count()).toBe(0);
      expect(await page.getByRole("link", { name }).count()).toBe(0);
    }
    await shoot(page, "runners-viewer");
    await page.getByRole("link", { name: "hangar-small" }).click();
    await page.getByRole("heading", { name: /hangar-small/ }).waitFor();
    expect(await page.getByRole("button", { name: "Suspend" }).count()).toBe(0);

    await page.getByRole("link", { name: "Usage & cost" }).click();
    await page.getByRole("table", { name: "Statement" }).waitFor();
    expect(await page.getByRole("button", { name: /Download CSV/ }).count()).toBe(0);

    await page.getByRole("link", { name: "Members & tokens" }).click();
    await page.getByRole("table", { name: "API tokens" }).waitFor();
    expect(await page.getByRole("button", { name: "Create token" }).count()).toBe(0);
    expect(await page.getByRole("button", { name: "Revoke" }).count()).toBe(0);

    await page.goto(`${api.url}/w/globex`);
    await page.getByRole("heading", { name: "Workspace not found" }).waitFor();
    await shoot(page, "viewer-other-workspace");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { name: "Sign in to Hangar" }).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("hangar.token"))).toBeNull();
  });
});
