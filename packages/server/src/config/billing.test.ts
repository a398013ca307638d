import { describe, expect, it } from "vitest";
import { loadConfig } from "./load.js";
import { configError, productionEnv, variablesOf } from "./testing.js";

describe("billing configuration", () => {
  it("bills started minutes at the default custom rates when nothing is set", () => {
    expect(loadConfig(productionEnv).billing).toEqual({
      rounding: { granularitySeconds: 60, minimumSeconds: 0 },
      customRates: { perVcpuMinute: "0.002", perGibMinute: "0.00025", currency: "USD" },
    });
  });

  it("reads per-second billing with a minimum and other custom rates", () => {
    const config = loadConfig({
      ...productionEnv,
      HANGAR_BILLING_GRANULARITY_SECONDS: "1",
      HANGAR_BILLING_MINIMUM_SECONDS: "60",
      HANGAR_BILLING_CUSTOM_VCPU_MINUTE_PRICE: "0.0031",
      HANGAR_BILLING_CUSTOM_GIB_MINUTE_PRICE: "0.000412",
      HANGAR_BILLING_CUSTOM_CURRENCY: "EUR",
    });
    expect(config.billing).toEqual({
      rounding: { granularitySeconds: 1, minimumSeconds: 60 },
      customRates: { perVcpuMinute: "0.0031", perGibMinute: "0.000412", currency: "EUR" },
    });
  });

  it("refuses a zero granularity, float-looking prices and a lower-case currency together", () => {
    const error = configError({
      ...productionEnv,
      HANGAR_BILLING_GRANULARITY_SECONDS: "0",
      HANGAR_BILLING_CUSTOM_VCPU_MINUTE_PRICE: "2e-3",
      HANGAR_BILLING_CUSTOM_GIB_MINUTE_PRICE: "0.0000001",
      HANGAR_BILLING_CUSTOM_CURRENCY: "usd",
    });
    expect(variablesOf(error)).toEqual([
      "HANGAR_BILLING_CUSTOM_CURRENCY",
      "HANGAR_BILLING_CUSTOM_GIB_MINUTE_PRICE",
      "HANGAR_BILLING_CUSTOM_VCPU_MINUTE_PRICE",
      "HANGAR_BILLING_GRANULARITY_SECONDS",
    ]);
  });
});
