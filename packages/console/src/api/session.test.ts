import { describe, expect, it } from "vitest";
import { tokenFromFragment } from "./session.js";

describe("tokenFromFragment", () => {
  it("reads the token of the URL npm start prints", () => {
    expect(tokenFromFragment("#token=hgr_abc123")).toBe("hgr_abc123");
    expect(tokenFromFragment("#token=hgr_abc123&other=1")).toBe("hgr_abc123");
    expect(tokenFromFragment("token=hgr_abc123")).toBe("hgr_abc123");
  });

  it("decodes what URL encoding escaped", () => {
    expect(tokenFromFragment("#token=hgr_a%2Bb")).toBe("hgr_a+b");
  });

  it("finds nothing in other fragments", () => {
    expect(tokenFromFragment("")).toBeUndefined();
    expect(tokenFromFragment("#")).toBeUndefined();
    expect(tokenFromFragment("#token=")).toBeUndefined();
    expect(tokenFromFragment("#section-2")).toBeUndefined();
  });
});
