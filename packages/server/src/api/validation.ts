import { z } from "zod";
import { fromZodError } from "./errors.js";

// Field rules shared by every service. Requests arrive as decoded protobuf messages, so
// types are already right; these check what protobuf cannot say (formats, ranges,
// sizes). Field paths in errors use the .proto's names.

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const uuid = z
  .string()
  .max(36, "must be a UUID")
  .regex(uuidPattern, "must be a UUID")
  .transform((value) => value.toLowerCase());

/** Empty means "not given" in proto3; otherwise a UUID. */
export const optionalUuid = z.union([z.literal("").transform(() => undefined), uuid]);

export const required = (inner: z.ZodType<string, string>) =>
  z.string().min(1, "is required").pipe(inner);

/** A DNS label: runner, offering and namespace names. */
export const dnsLabel = z
  .string()
  .max(63, "must be at most 63 characters")
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/,
    "must be lowercase letters, digits and '-', starting and ending with a letter or digit",
  );

/** GitHub's installation ids: positive int64. */
export const installationId = z
  .bigint()
  .min(1n, "is required")
  .max(9_223_372_036_854_775_807n, "is too large");

/** "owner/name", as GitHub allows them. */
export const repositoryName = z
  .string()
  .max(140, "must be at most 140 characters")
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/, "must be owner/name");

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** 0 is the default, anything above the maximum is the maximum, negative is an error. */
export const pageSize = z
  .number()
  .int()
  .min(0, "must not be negative")
  .transform((value) => (value === 0 ? DEFAULT_PAGE_SIZE : Math.min(value, MAX_PAGE_SIZE)));

export function parseRequest<T>(schema: z.ZodType<T>, request: unknown): T {
  const result = schema.safeParse(request);
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}
