import { describe, expect, it } from "vitest";
import { DEFAULT_DURATION_BUCKETS, DEFAULT_MAX_LABEL_VALUES } from "../observability/metrics.js";
import { ConfigError, loadConfig } from "./load.js";

describe("metrics configuration", () => {
  it("defaults to the buckets and label cap the metrics module uses", () => {
    const config = loadConfig({ HANGAR_ROLE: "dev" });
    expect(config.metrics.durationBuckets).toEqual(DEFAULT_DURATION_BUCKETS);
    expect(config.metrics.maxLabelValues).toBe(DEFAULT_MAX_LABEL_VALUES);
  });

  it("reads buckets as increasing seconds", () => {
    const config = loadConfig({
      HANGAR_ROLE: "dev",
      HANGAR_METRICS_DURATION_BUCKETS: "0.5, 1,30,600",
      HANGAR_METRICS_MAX_LABEL_VALUES: "20",
    });
    expect(config.metrics).toEqual({ durationBuckets: [0.5, 1, 30, 600], maxLabelValues: 20 });
  });

  it.each(["10,5,60", "1,1,2", "0,5", "1,,2", "5s", "-1,2"])("refuses buckets %j", (value) => {
    expect(() =>
      loadConfig({ HANGAR_ROLE: "dev", HANGAR_METRICS_DURATION_BUCKETS: value }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig({ HANGAR_ROLE: "dev", HANGAR_METRICS_DURATION_BUCKETS: value }),
    ).toThrow(/HANGAR_METRICS_DURATION_BUCKETS/);
  });
});
