import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedeliveryActivities, type RedeliveryActivities } from "./redelivery.js";
import { startRedeliveryRig, type RedeliveryRig } from "./redelivery-fixtures.js";

// The reconciler against the GitHub simulator's delivery log and the intake's real
// HTTP side: chaos drops some deliveries, and one dropped GUID is recorded by hand, as
// when the intake committed a delivery but GitHub timed out waiting for the answer.

let rig: RedeliveryRig;
let activities: RedeliveryActivities;

beforeAll(async () => {
  rig = await startRedeliveryRig();
  activities = createRedeliveryActivities({ db: rig.database.db, github: rig.github });
});

afterAll(async () => {
  await rig.close();
});

describe("redeliverFailedDeliveries", () => {
  it("redelivers each dropped, unrecorded GUID exactly once, and nothing on the next round", async () => {
    const { sim, database } = rig;
    await sim.control.setChaos({ drop: 0.3, duplicate: 0.3, seed: 42 });
    await sim.control.createInstallation({
      account: { login: "acme", type: "Organization" },
      repositories: ["web"],
    });
    await sim.control.queueWorkflowRun({
      repository: "acme/web",
      jobs: Array.from({ length: 30 }, (_, i) => ({ name: `job-${i}`, labels: ["hangar-x"] })),
    });
    await sim.control.drainDeliveries();
    await sim.control.setChaos({});

    const dropped = await rig.droppedGuids();
    const recordedBefore = await rig.recorded();
    expect(dropped.size).toBeGreaterThanOrEqual(5);
    for (const guid of dropped) expect(recordedBefore.has(guid)).toBe(false);
    // A duplicate's twin shares its fate, so some dropped GUIDs have two failed attempts.
    const attempts = await sim.control.deliveries();
    const droppedTwice = [...dropped].filter(
      (guid) => attempts.filter((d) => d.guid === guid).length === 2,
    );
    expect(droppedTwice.length).toBeGreaterThan(0);

    const [recordedAnyway, ...missing] = [...dropped];
    await database.db
      .insertInto("webhook_deliveries")
      .values({ delivery_guid: recordedAnyway!, event: "workflow_job", payload_bytes: 0 })
      .execute();

    // A horizon in the future sees nothing; `max` bounds a round.
    const none = await activities.redeliverFailedDeliveries({
      since: new Date(Date.now() + 60_000).toISOString(),
    });
    expect(none).toMatchObject({ scanned: 0, failed: 0, redelivered: 0 });
    const first = await activities.redeliverFailedDeliveries({ max: 2 });
    expect(first).toEqual({
      scanned: attempts.length,
      failed: dropped.size,
      alreadyRecorded: 1,
      redelivered: 2,
      redeliveryErrors: 0,
    });
    await sim.control.drainDeliveries();

    const second = await activities.redeliverFailedDeliveries();
    expect(second).toMatchObject({
      failed: dropped.size - 2,
      alreadyRecorded: 1,
      redelivered: missing.length - 2,
      redeliveryErrors: 0,
    });
    await sim.control.drainDeliveries();

    const redeliveries = await rig.redeliveriesByGuid();
    expect(redeliveries.get(recordedAnyway!)).toBeUndefined();
    for (const guid of missing) expect(redeliveries.get(guid)).toBe(1);
    expect([...redeliveries.values()].reduce((a, b) => a + b, 0)).toBe(missing.length);
    const recordedAfter = await rig.recorded();
    for (const guid of dropped) expect(recordedAfter.has(guid)).toBe(true);

    const third = await activities.redeliverFailedDeliveries();
    expect(third).toMatchObject({ failed: 1, alreadyRecorded: 1, redelivered: 0 });
    expect(await rig.redeliveriesByGuid()).toEqual(redeliveries);
  });
});
