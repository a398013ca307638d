import { z } from "zod";
import { integer } from "./parsers.js";
import type { Config } from "./types.js";

// How job run time becomes billed time, and what custom runners (which have no
// offering, so no list price) cost. Prices are decimal strings end to end: a float
// never touches money.

/** Up to six decimal places, the scale of the ledger's prices (numeric(12,6)). */
const pricePerMinute = z
  .string()
  .regex(/^\d{1,6}(\.\d{1,6})?$/, "must be a decimal price with at most six decimal places");

const currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD");

export function billingSection() {
  return z
    .object({
      HANGAR_BILLING_GRANULARITY_SECONDS: integer({ min: 1, max: 3600, unit: "seconds" }),
      HANGAR_BILLING_MINIMUM_SECONDS: integer({ min: 0, max: 86_400, unit: "seconds" }),
      HANGAR_BILLING_CUSTOM_VCPU_MINUTE_PRICE: pricePerMinute,
      HANGAR_BILLING_CUSTOM_GIB_MINUTE_PRICE: pricePerMinute,
      HANGAR_BILLING_CUSTOM_CURRENCY: currency,
    })
    .transform((env): Config["billing"] => ({
      rounding: {
        granularitySeconds: env.HANGAR_BILLING_GRANULARITY_SECONDS,
        minimumSeconds: env.HANGAR_BILLING_MINIMUM_SECONDS,
      },
      customRates: {
        perVcpuMinute: env.HANGAR_BILLING_CUSTOM_VCPU_MINUTE_PRICE,
        perGibMinute: env.HANGAR_BILLING_CUSTOM_GIB_MINUTE_PRICE,
        currency: env.HANGAR_BILLING_CUSTOM_CURRENCY,
      },
    }));
}
