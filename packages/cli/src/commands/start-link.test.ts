import { describe, expect, it } from "vitest";
import { dashboardLinkLines, dashboardUrl } from "./start-link.js";

const token = "hgr_" + "a".repeat(40);

describe("dashboardUrl", () => {
  it("carries the token in the fragment, which browsers never send", () => {
    const url = new URL(dashboardUrl("http://127.0.0.1:8081", token));
    expect(url.pathname).toBe("/");
    expect(url.search).toBe("");
    expect(url.hash).toBe(`#token=${token}`);
  });

  it("is the plain dashboard without a token", () => {
    expect(dashboardUrl("http://127.0.0.1:8081/")).toBe("http://127.0.0.1:8081/");
  });
});

describe("dashboardLinkLines", () => {
  it("ends with the signed-in URL alone on its line", () => {
    const lines = dashboardLinkLines({
      apiUrl: "http://127.0.0.1:8081",
      demo: { token, workspace: "demo" },
      notBuilt: undefined,
    });
    expect(lines).toEqual([
      "Open the dashboard (signed in as owner of workspace demo):",
      `  http://127.0.0.1:8081/#token=${token}`,
    ]);
  });

  it("asks for a token when there is no demo (a GitHub App is configured)", () => {
    const lines = dashboardLinkLines({
      apiUrl: "http://127.0.0.1:8081",
      demo: undefined,
      notBuilt: undefined,
    });
    expect(lines.at(-1)).toBe("  http://127.0.0.1:8081/");
    expect(lines[0]).toContain("sign in with an API token");
  });

  it("says how to build the dashboard when it is missing", () => {
    const lines = dashboardLinkLines({
      apiUrl: "http://127.0.0.1:8081",
      demo: { token, workspace: "demo" },
      notBuilt: "vite failed",
    });
    expect(lines[0]).toContain("npm run build:console");
    expect(lines.at(-1)).toBe(`  http://127.0.0.1:8081/#token=${token}`);
  });
});
