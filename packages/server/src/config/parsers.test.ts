import { describe, expect, it } from "vitest";
import { hostAndPort, integer, namespacePrefix, port, url } from "./parsers.js";

describe("integer", () => {
  const count = integer({ min: 1, max: 1000 });

  it.each(["1", "10", "1000", "007"])("accepts %j", (text) => {
    expect(count.safeParse(text).success).toBe(true);
  });

  // Each of these slips through Number() or parseInt() somewhere.
  it.each(["12abc", "-3", "0", "1001", "1.5", "1e3", " 7", "0x10", ""])("rejects %j", (text) => {
    expect(count.safeParse(text).success).toBe(false);
  });
});

describe("port", () => {
  it("accepts 0 (any free port) to 65535", () => {
    expect(port.parse("0")).toBe(0);
    expect(port.parse("65535")).toBe(65535);
    expect(port.safeParse("65536").success).toBe(false);
  });

  it("explains a Kubernetes service-link value", () => {
    const result = port.safeParse("tcp://10.0.0.1:8081");
    expect(result.error?.issues[0]?.message).toContain("enableServiceLinks");
  });
});

describe("url", () => {
  const http = url(["http", "https"]);

  it("drops trailing slashes so paths can be appended", () => {
    expect(http.parse("https://ghes.example.com/api/v3/")).toBe("https://ghes.example.com/api/v3");
  });

  it.each(["api.github.com", "ftp://example.com", "not a url"])("rejects %j", (text) => {
    expect(http.safeParse(text).success).toBe(false);
  });
});

describe("hostAndPort", () => {
  it.each(["127.0.0.1:7233", "temporal.example.com:7233", "[::1]:7233"])("accepts %j", (text) => {
    expect(hostAndPort.safeParse(text).success).toBe(true);
  });

  it.each(["temporal", "temporal:", "http://temporal:7233", "temporal:99999"])(
    "rejects %j",
    (text) => {
      expect(hostAndPort.safeParse(text).success).toBe(false);
    },
  );
});

describe("namespacePrefix", () => {
  it.each(["hangar-", "ci", "a1-"])("accepts %j", (text) => {
    expect(namespacePrefix.safeParse(text).success).toBe(true);
  });

  it.each(["Hangar-", "-x", "hangar_", "a".repeat(31)])("rejects %j", (text) => {
    expect(namespacePrefix.safeParse(text).success).toBe(false);
  });
});
