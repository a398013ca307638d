import { z } from "zod";
import { cpu, memory } from "../runners/requests.js";
import { dnsLabel } from "../validation.js";

// The offering catalog's fields, beyond their protobuf types. Create takes every field
// but `retired`; Update takes those its update_mask names (never `id` or `retired`).

const imageRepository = z
  .string()
  .min(1, "is required")
  .max(400, "must be at most 400 characters")
  .regex(/^[a-z0-9][a-z0-9._\-/:]*$/, "must be an image repository, e.g. ghcr.io/acme/runner");

const imageTag = z
  .string()
  .min(1, "is required")
  .max(128, "must be at most 128 characters")
  .regex(
    /^([A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[a-f0-9]{64})$/,
    "must be a tag or @sha256:<digest>",
  );

/** numeric(12, 6): up to six digits either side of the point; never a float. */
const price = z
  .string()
  .min(1, "is required")
  .max(13, "must be at most 13 characters")
  .regex(/^[0-9]{1,6}(\.[0-9]{1,6})?$/, "must be a decimal such as 0.008");

const gpuType = z
  .string()
  .max(63, "must be at most 63 characters")
  .regex(/^([a-z0-9][a-z0-9.-]*)?$/, "must be a GPU model such as nvidia-l4");

export const offeringFields = {
  name: z.string().min(1, "is required").pipe(dnsLabel),
  cpu,
  memory,
  imageRepository,
  imageTag,
  isAutoscale: z.boolean(),
  gpuCount: z.number().int().min(0, "must not be negative").max(64, "must be at most 64"),
  gpuType,
  arch: z.enum(["amd64", "arm64"], { error: "must be amd64 or arm64" }),
  spot: z.boolean(),
  pricePerMinute: price,
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD"),
  // Unset follows `spot`; stored as NULL.
  rerunOnPreemption: z.boolean().optional(),
} as const;

export type OfferingField = keyof typeof offeringFields;

const gpuConsistent = (offering: { gpuCount?: number; gpuType?: string }) =>
  offering.gpuCount === undefined ||
  offering.gpuType === undefined ||
  (offering.gpuCount === 0) === (offering.gpuType === "");

export const createOfferingRequest = z.object({
  offering: z
    .object({
      id: z.string().min(1, "is required").pipe(dnsLabel),
      ...offeringFields,
      // Defaults for what a caller may leave empty.
      arch: z.union([z.literal("").transform(() => "amd64" as const), offeringFields.arch]),
      currency: z.union([z.literal("").transform(() => "USD"), offeringFields.currency]),
      retired: z.literal(false, { error: "cannot be set; use RetireOffering" }),
    })
    .refine(gpuConsistent, { path: ["gpuType"], error: "is required exactly when gpu_count > 0" }),
});

/** RunnerOffering's field names as update_mask spells them, and their message keys. */
export const maskFields: Record<string, OfferingField> = {
  name: "name",
  cpu: "cpu",
  memory: "memory",
  image_repository: "imageRepository",
  image_tag: "imageTag",
  is_autoscale: "isAutoscale",
  gpu_count: "gpuCount",
  gpu_type: "gpuType",
  arch: "arch",
  spot: "spot",
  price_per_minute: "pricePerMinute",
  currency: "currency",
  rerun_on_preemption: "rerunOnPreemption",
};

export const updateMask = z
  .array(z.string().max(64, "must be a field name"))
  .min(1, "must name at least one field")
  .max(32, "must have at most 32 entries")
  .superRefine((names, ctx) => {
    for (const [i, name] of names.entries()) {
      if (name === "id" || name === "retired") {
        ctx.addIssue({ code: "custom", path: [i], message: `${name} cannot be updated` });
      } else if (!(name in maskFields)) {
        ctx.addIssue({ code: "custom", path: [i], message: "is not a field of RunnerOffering" });
      }
    }
  });

export const offeringIdRequest = z.object({ id: z.string().min(1, "is required").pipe(dnsLabel) });
