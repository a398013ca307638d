import { z } from "zod";
import { roles } from "../../authz/index.js";
import { timestamp } from "../runners/requests.js";
import { dnsLabel, pageSize, required, uuid } from "../validation.js";

// What each WorkspaceService request may contain, beyond its protobuf types.

const displayName = (max: number) =>
  z
    .string()
    .transform((value) => value.trim())
    .pipe(
      z
        .string()
        .min(1, "is required")
        .max(max, `must be at most ${max} characters`)
        .regex(/^[^\p{Cc}]*$/u, "must not contain control characters"),
    );

const limit = (max: number) =>
  z.number().int().min(0, "must not be negative").max(max, `must be at most ${max}`).optional();

export const role = z.enum(roles, { error: `must be one of ${roles.join(", ")}` });

const pageToken = z.string();

export const createWorkspaceRequest = z.object({
  slug: z.string().min(1, "is required").pipe(dnsLabel),
  name: displayName(200),
  maxCpuMillis: limit(100_000_000),
  maxMemoryMib: limit(1_000_000_000),
  maxGpus: limit(100_000),
  maxRunners: limit(1_000_000),
});

export const idRequest = z.object({ id: required(uuid) });

export const listWorkspacesRequest = z.object({ pageSize, pageToken });

export const renameWorkspaceRequest = z.object({ id: required(uuid), name: displayName(200) });

export const deleteRequest = z.object({ id: required(uuid), force: z.boolean() });

export const createProjectRequest = z.object({
  workspaceId: required(uuid),
  name: displayName(100),
});

export const workspacePageRequest = z.object({
  workspaceId: required(uuid),
  pageSize,
  pageToken,
});

export const renameProjectRequest = z.object({ id: required(uuid), name: displayName(100) });

export const email = z
  .string()
  .min(1, "is required")
  .max(254, "must be at most 254 characters")
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, "must be an email address")
  .transform((value) => value.toLowerCase());

export const addMemberRequest = z.object({ workspaceId: required(uuid), email, role });

export const updateMemberRoleRequest = z.object({
  workspaceId: required(uuid),
  userId: required(uuid),
  role,
});

export const removeMemberRequest = z.object({
  workspaceId: required(uuid),
  userId: required(uuid),
});

export const createApiTokenRequest = z
  .object({
    workspaceId: required(uuid),
    name: displayName(100),
    role,
    expireTime: timestamp,
  })
  .refine((request) => request.expireTime === undefined || request.expireTime > new Date(), {
    path: ["expireTime"],
    error: "must be in the future",
  });

export const listApiTokensRequest = z.object({
  workspaceId: required(uuid),
  includeInactive: z.boolean(),
  pageSize,
  pageToken,
});

const emptyAsUndefined = <T extends z.ZodType<unknown, string>>(inner: T) =>
  z.union([z.literal("").transform(() => undefined), inner]);

export const listAuditEventsRequest = z
  .object({
    workspaceId: required(uuid),
    objectType: emptyAsUndefined(
      z
        .string()
        .max(64, "must be at most 64 characters")
        .regex(/^[a-z_]+$/, "must be an object type such as runner"),
    ),
    objectId: emptyAsUndefined(
      z
        .string()
        .max(128, "must be at most 128 characters")
        .regex(/^[A-Za-z0-9._:/-]+$/, "must be an object id"),
    ),
    actor: emptyAsUndefined(
      z
        .string()
        .max(128, "must be at most 128 characters")
        .regex(/^[a-z]+:[A-Za-z0-9._-]+$/, "must be an actor such as token:<id>"),
    ),
    startTime: timestamp,
    endTime: timestamp,
    pageSize,
    pageToken,
  })
  .refine(
    (request) =>
      request.startTime === undefined ||
      request.endTime === undefined ||
      request.startTime < request.endTime,
    { path: ["startTime"], error: "must be before end_time" },
  );
