import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import {
  CreateOfferingResponseSchema,
  ListOfferingsResponseSchema,
  RetireOfferingResponseSchema,
  UpdateOfferingResponseSchema,
  type CreateOfferingRequest,
  type ListOfferingsRequest,
  type RetireOfferingRequest,
  type UpdateOfferingRequest,
} from "@hangar/api/offering_service_pb.js";
import { z } from "zod";
import type { Updateable } from "kysely";
import type { RunnerOfferingsTable } from "../../storage/schema/runners.js";
import { writeAudit } from "../audit.js";
import { callerOf, requestInfo } from "../context.js";
import { notFound } from "../errors.js";
import { requirePlatformAdmin } from "../roles.js";
import type { ServiceDeps } from "../service-deps.js";
import { parseRequest } from "../validation.js";
import {
  createOfferingRequest,
  maskFields,
  offeringFields,
  offeringIdRequest,
  updateMask,
  type OfferingField,
} from "./requests.js";
import { toOffering } from "./rows.js";

// The runner catalog: readable by every authenticated caller, changed by platform
// administrators only. Offerings are the platform's, not a workspace's, so their audit
// records carry no workspace.

const columnOf: Record<OfferingField, keyof RunnerOfferingsTable> = {
  name: "name",
  cpu: "cpu",
  memory: "memory",
  imageRepository: "image_repository",
  imageTag: "image_tag",
  isAutoscale: "is_autoscale",
  gpuCount: "gpu_count",
  gpuType: "gpu_type",
  arch: "arch",
  spot: "spot",
  pricePerMinute: "price_per_minute",
  currency: "currency",
  rerunOnPreemption: "rerun_on_preemption",
};

export function createOfferingHandlers(deps: ServiceDeps) {
  const { db, authorizer } = deps;

  return {
    async listOfferings(request: ListOfferingsRequest, context: HandlerContext) {
      callerOf(context);
      let query = db.selectFrom("runner_offerings").selectAll();
      if (!request.includeRetired) query = query.where("retired_at", "is", null);
      // The catalog is the operator's short list; it needs no pages.
      const rows = await query.orderBy("id").limit(1000).execute();
      return create(ListOfferingsResponseSchema, { offerings: rows.map(toOffering) });
    },

    async createOffering(request: CreateOfferingRequest, context: HandlerContext) {
      const { offering } = parseRequest(createOfferingRequest, request);
      const caller = callerOf(context);
      await requirePlatformAdmin(authorizer, caller, "offering.write");
      const { requestId } = requestInfo(context);
      const row = await db.transaction().execute(async (trx) => {
        const taken = await trx
          .selectFrom("runner_offerings")
          .select("id")
          .where((eb) => eb.or([eb("id", "=", offering.id), eb("name", "=", offering.name)]))
          .executeTakeFirst();
        if (taken !== undefined) {
          throw new ConnectError("an offering with that id or name exists", Code.AlreadyExists);
        }
        const inserted = await trx
          .insertInto("runner_offerings")
          .values({
            id: offering.id,
            name: offering.name,
            cpu: offering.cpu,
            memory: offering.memory,
            image_repository: offering.imageRepository,
            image_tag: offering.imageTag,
            is_autoscale: offering.isAutoscale,
            gpu_count: offering.gpuCount,
            gpu_type: offering.gpuCount === 0 ? null : offering.gpuType,
            arch: offering.arch,
            spot: offering.spot,
            price_per_minute: offering.pricePerMinute,
            currency: offering.currency,
            rerun_on_preemption: offering.rerunOnPreemption ?? null,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: null,
          objectType: "runner_offering",
          objectId: inserted.id,
          action: "offering.create",
          before: null,
          after: inserted,
          requestId,
        });
        return inserted;
      });
      return create(CreateOfferingResponseSchema, { offering: toOffering(row) });
    },

    async updateOffering(request: UpdateOfferingRequest, context: HandlerContext) {
      const mask = parseRequest(z.object({ updateMask }), request).updateMask;
      const { id } = parseRequest(offeringIdRequest, { id: request.offering?.id ?? "" });
      const given = (request.offering ?? {}) as Record<string, unknown>;
      const fields = [...new Set(mask.map((name) => maskFields[name]))].filter(
        (field): field is OfferingField => field !== undefined,
      );
      // Only what the mask names is read (and validated); everything else in the
      // message is ignored, as update_mask promises.
      const shape = Object.fromEntries(fields.map((field) => [field, offeringFields[field]]));
      const values = parseRequest(z.object({ offering: z.object(shape) }), {
        offering: Object.fromEntries(fields.map((field) => [field, given[field]])),
      }).offering as Record<OfferingField, unknown>;
      const caller = callerOf(context);
      await requirePlatformAdmin(authorizer, caller, "offering.write");
      const { requestId } = requestInfo(context);
      const changes: Record<string, unknown> = {};
      for (const field of fields) changes[columnOf[field]] = values[field];
      if ("gpu_type" in changes && changes["gpu_type"] === "") changes["gpu_type"] = null;
      // Unset in the message with the field in the mask: follow `spot` again.
      if ("rerun_on_preemption" in changes && changes["rerun_on_preemption"] === undefined) {
        changes["rerun_on_preemption"] = null;
      }
      const row = await db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom("runner_offerings")
          .selectAll()
          .where("id", "=", id)
          .forUpdate()
          .executeTakeFirst();
        if (before === undefined) throw notFound("runner offering", id);
        // The database's CHECKs (gpu_type with gpu_count, positive sizes) judge the
        // merged row; a violation is InvalidArgument naming the constraint.
        const after = await trx
          .updateTable("runner_offerings")
          .set(changes as Updateable<RunnerOfferingsTable>)
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: null,
          objectType: "runner_offering",
          objectId: id,
          action: "offering.update",
          before,
          after,
          requestId,
        });
        return after;
      });
      return create(UpdateOfferingResponseSchema, { offering: toOffering(row) });
    },

    async retireOffering(request: RetireOfferingRequest, context: HandlerContext) {
      const { id } = parseRequest(offeringIdRequest, request);
      const caller = callerOf(context);
      await requirePlatformAdmin(authorizer, caller, "offering.write");
      const { requestId } = requestInfo(context);
      const row = await db.transaction().execute(async (trx) => {
        const before = await trx
          .selectFrom("runner_offerings")
          .selectAll()
          .where("id", "=", id)
          .forUpdate()
          .executeTakeFirst();
        if (before === undefined) throw notFound("runner offering", id);
        if (before.retired_at !== null) return before;
        const after = await trx
          .updateTable("runner_offerings")
          .set({ retired_at: new Date() })
          .where("id", "=", id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await writeAudit(trx, {
          actor: caller.subject,
          workspaceId: null,
          objectType: "runner_offering",
          objectId: id,
          action: "offering.retire",
          before,
          after,
          requestId,
        });
        return after;
      });
      return create(RetireOfferingResponseSchema, { offering: toOffering(row) });
    },
  };
}
