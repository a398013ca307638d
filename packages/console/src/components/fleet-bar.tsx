import type { RunnerFleet } from "@hangar/api/runner_pb.js";

// A runner's instances right now as one stacked bar: busy, idle and starting segments
// against the larger of `desired` and what exists, so a pool short of its target shows
// the gap. The numbers are written beside it for screen readers and for exact reading.

export function FleetBar({ fleet, name }: { fleet: RunnerFleet | undefined; name: string }) {
  const f = fleet ?? { registered: 0, busy: 0, idle: 0, starting: 0, desired: 0 };
  const scale = Math.max(f.desired, f.registered + f.starting, 1);
  const width = (n: number): string => `${(100 * n) / scale}%`;
  const summary = `${f.registered} registered: ${f.busy} busy, ${f.idle} idle; ${f.starting} starting; ${f.desired} desired`;
  return (
    <div className="fleet" data-testid={`fleet-${name}`} title={summary}>
      <div className="fleet-bar" aria-hidden="true">
        <span className="fleet-busy" style={{ width: width(f.busy) }} />
        <span className="fleet-idle" style={{ width: width(f.idle) }} />
        <span className="fleet-starting" style={{ width: width(f.starting) }} />
        {f.desired > 0 && <span className="fleet-desired" style={{ left: width(f.desired) }} />}
      </div>
      <div className="fleet-numbers small">
        <span data-testid="fleet-busy">{f.busy}</span> busy ·{" "}
        <span data-testid="fleet-idle">{f.idle}</span> idle ·{" "}
        <span data-testid="fleet-registered">{f.registered}</span> registered ·{" "}
        <span data-testid="fleet-desired">{f.desired}</span> desired
      </div>
    </div>
  );
}
