import { create } from "@bufbuild/protobuf";
import { RunnerOfferingSchema, type RunnerOffering } from "@hangar/api/offering_pb.js";
import type { Selectable } from "kysely";
import type { RunnerOfferingsTable } from "../../storage/schema/runners.js";

export type OfferingRow = Selectable<RunnerOfferingsTable>;

export function toOffering(row: OfferingRow): RunnerOffering {
  return create(RunnerOfferingSchema, {
    id: row.id,
    name: row.name,
    cpu: row.cpu,
    memory: row.memory,
    imageRepository: row.image_repository,
    isAutoscale: row.is_autoscale,
    imageTag: row.image_tag,
    gpuCount: row.gpu_count,
    gpuType: row.gpu_type ?? "",
    arch: row.arch,
    spot: row.spot,
    // numeric(12, 6) reads as "0.008000"; callers wrote "0.008".
    pricePerMinute: row.price_per_minute.replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, ""),
    currency: row.currency,
    retired: row.retired_at !== null,
    ...(row.rerun_on_preemption === null ? {} : { rerunOnPreemption: row.rerun_on_preemption }),
  });
}
