import { describe, expect, it } from "vitest";
import {
  actions,
  MissingTargetError,
  permissions,
  projectTuples,
  requirement,
  workspaceTuples,
} from "./model.js";
import { formatTuple } from "./tuples.js";

describe("authorization model", () => {
  it("writes the workspace role chain as subject sets", () => {
    expect(workspaceTuples("W").map(formatTuple)).toEqual([
      "workspace:W#admin@workspace:W#owner",
      "workspace:W#member@workspace:W#admin",
      "workspace:W#viewer@workspace:W#member",
    ]);
  });

  it("makes each project role include the project's higher role and the workspace's same role", () => {
    expect(projectTuples("W", "P").map(formatTuple).sort()).toEqual(
      [
        "project:P#admin@project:P#owner",
        "project:P#member@project:P#admin",
        "project:P#viewer@project:P#member",
        "project:P#owner@workspace:W#owner",
        "project:P#admin@workspace:W#admin",
        "project:P#member@workspace:W#member",
        "project:P#viewer@workspace:W#viewer",
      ].sort(),
    );
  });

  it("checks each action on the object its scope names", () => {
    const target = { workspaceId: "W", projectId: "P" };
    expect(requirement("runner.read", target)).toEqual({
      namespace: "project",
      object: "P",
      relation: "viewer",
    });
    expect(requirement("runner.write", target)).toEqual({
      namespace: "project",
      object: "P",
      relation: "member",
    });
    expect(requirement("audit.read", target)).toEqual({
      namespace: "workspace",
      object: "W",
      relation: "admin",
    });
    expect(requirement("workspace.delete", target)).toEqual({
      namespace: "workspace",
      object: "W",
      relation: "owner",
    });
    expect(requirement("offering.write")).toEqual({
      namespace: "platform",
      object: "hangar",
      relation: "admin",
    });
  });

  it("refuses to check an action without the object it is about", () => {
    expect(() => requirement("runner.read", { workspaceId: "W" })).toThrow(MissingTargetError);
    expect(() => requirement("token.write", { projectId: "P" })).toThrow(MissingTargetError);
  });

  it("lists every action of the table", () => {
    expect([...actions].sort()).toEqual(Object.keys(permissions).sort());
    expect(actions.length).toBeGreaterThanOrEqual(19);
  });
});
