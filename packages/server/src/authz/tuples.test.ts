import { describe, expect, it } from "vitest";
import {
  formatTuple,
  parseRelationRef,
  parseSubject,
  parseTuple,
  TupleSyntaxError,
  validateTuple,
} from "./tuples.js";

const uuid = "0b7e9c1a-4f5d-4e2b-9a1c-3d2e1f0a9b8c";

describe("relation tuple text", () => {
  it.each([
    `workspace:${uuid}#owner@user:${uuid}`,
    `project:${uuid}#viewer@workspace:${uuid}#viewer`,
    `platform:hangar#admin@token:${uuid}`,
    "workspace:acme-1#member@user:a_b.c-d",
  ])("parses and formats %s back to the same text", (text) => {
    const tuple = parseTuple(text);
    expect(formatTuple(tuple)).toBe(text);
    expect(parseTuple(formatTuple(tuple))).toEqual(tuple);
  });

  it("tells a subject set from a subject id by its relation", () => {
    expect(parseSubject(`user:${uuid}`)).toBe(`user:${uuid}`);
    expect(parseSubject(`workspace:${uuid}#admin`)).toEqual({
      namespace: "workspace",
      object: uuid,
      relation: "admin",
    });
    expect(parseTuple(`project:p1#admin@project:p1#owner`)).toEqual({
      namespace: "project",
      object: "p1",
      relation: "admin",
      subject: { namespace: "project", object: "p1", relation: "owner" },
    });
  });

  it.each([
    ["", "expected object#relation@subject"],
    ["workspace:w#owner", "expected object#relation@subject"],
    ["workspace#owner@user:u", "expected namespace:object#relation"],
    ["workspace:w@user:u", "expected namespace:object#relation"],
    [":w#owner@user:u", "invalid namespace"],
    ["Workspace:w#owner@user:u", "invalid namespace"],
    ["workspace:#owner@user:u", "invalid object"],
    ["workspace:w#@user:u", "invalid relation"],
    ["workspace:w#Owner@user:u", "invalid relation"],
    ["workspace:w x#owner@user:u", "invalid object"],
    ["workspace:w'--#owner@user:u", "invalid object"],
    ["workspace:w#owner@user", "expected namespace:id"],
    ["workspace:w#owner@user:", "invalid subject"],
    ["workspace:w#owner@user:u@v", "invalid subject"],
    ["workspace:w#owner@workspace:w#", "invalid relation"],
    ["workspace:w#owner@workspace:w:x#admin", "invalid object"],
    [`workspace:${"w".repeat(129)}#owner@user:u`, "longer than 128 characters"],
    [`workspace:w#${"r".repeat(65)}@user:u`, "longer than 64 characters"],
  ])("rejects %j (%s)", (text, message) => {
    expect(() => parseTuple(text)).toThrow(TupleSyntaxError);
    expect(() => parseTuple(text)).toThrow(message);
  });

  it("validates tuples built in code as strictly as parsed ones", () => {
    expect(() => {
      validateTuple({
        namespace: "workspace",
        object: "w#x",
        relation: "owner",
        subject: "user:u",
      });
    }).toThrow(TupleSyntaxError);
    expect(() => {
      validateTuple({
        namespace: "workspace",
        object: "w",
        relation: "owner",
        subject: { namespace: "workspace", object: "w", relation: "" },
      });
    }).toThrow("invalid relation");
    expect(() => parseRelationRef("workspace:w#owner")).not.toThrow();
  });
});
