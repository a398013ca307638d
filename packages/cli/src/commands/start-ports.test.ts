import { loadConfig } from "@hangar/server/config/load.js";
import { describe, expect, it } from "vitest";
import { PortOffsetError, shiftedPorts } from "./start-ports.js";

describe("shiftedPorts", () => {
  it("leaves the defaults alone without an offset", () => {
    expect(shiftedPorts({})).toEqual({});
    expect(shiftedPorts({ HANGAR_PORT_OFFSET: "0" })).toEqual({});
    expect(shiftedPorts({ HANGAR_PORT_OFFSET: "" })).toEqual({});
  });

  it("moves the intake, API, metrics and simulator ports with the local services", () => {
    const env = { HANGAR_PORT_OFFSET: "3000" };
    expect(shiftedPorts(env)).toEqual({
      HANGAR_INTAKE_PORT: "11080",
      HANGAR_API_PORT: "11081",
      HANGAR_METRICS_PORT: "12464",
      HANGAR_SIMULATOR_PORT: "11082",
    });
    // What the dev role then listens on.
    expect(loadConfig({ ...env, ...shiftedPorts(env) }).http).toMatchObject({
      intakePort: 11080,
      apiPort: 11081,
      metricsPort: 12464,
    });
    expect(loadConfig({ ...env, ...shiftedPorts(env) }).demo.simulatorPort).toBe(11082);
  });

  it("keeps a port that is set explicitly", () => {
    const env = { HANGAR_PORT_OFFSET: "100", HANGAR_INTAKE_PORT: "9000", HANGAR_API_PORT: "" };
    expect(shiftedPorts(env)).toEqual({
      HANGAR_API_PORT: "8181",
      HANGAR_METRICS_PORT: "9564",
      HANGAR_SIMULATOR_PORT: "8182",
    });
    expect(loadConfig({ ...env, ...shiftedPorts(env) }).http.intakePort).toBe(9000);
  });

  it("refuses an offset the local services would refuse", () => {
    for (const offset of ["-1", "4001", "1.5", "12abc", " 7"]) {
      expect(() => shiftedPorts({ HANGAR_PORT_OFFSET: offset })).toThrow(PortOffsetError);
    }
  });
});
