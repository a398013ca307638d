import type { GitHubApp, Runner, RunnerScope } from "../github/types.js";

// GitHub's view of Hangar's runners, shared by every runner watch in a worker. Asking
// for each runner by id would spend one point of the endpoint's per-minute budget per
// runner per look; one listing of the organisation's (or repository's) runners answers
// for a hundred runners per page, and watches looking at about the same time share it.

export interface RunnerStatusSource {
  /**
   * The runner as GitHub lists it, or null when it is not listed, from a listing that
   * began no earlier than `notBefore` (epoch ms): a listing older than a runner's
   * registration would wrongly say it is gone.
   */
  read(input: {
    installationId: number;
    scope: RunnerScope;
    runnerId: number;
    notBefore: number;
  }): Promise<Runner | null>;
}

interface Listing {
  readonly startedAt: number;
  readonly runners: Promise<Map<number, Runner>>;
}

export function createRunnerStatusSource(deps: {
  github: GitHubApp;
  now?: () => number;
}): RunnerStatusSource {
  const now = deps.now ?? Date.now;
  const listings = new Map<string, Listing>();

  return {
    async read({ installationId, scope, runnerId, notBefore }) {
      const key =
        "org" in scope
          ? `${installationId}/${scope.org.toLowerCase()}`
          : `${installationId}/${scope.owner.toLowerCase()}/${scope.repo.toLowerCase()}`;
      let listing = listings.get(key);
      if (listing === undefined || listing.startedAt < notBefore) {
        const started: Listing = {
          startedAt: now(),
          runners: deps.github
            .installation(installationId)
            .listRunners(scope)
            .then((runners) => new Map(runners.map((runner) => [runner.id, runner]))),
        };
        listing = started;
        listings.set(key, started);
        // A failed listing is not kept: the next look starts another.
        started.runners.catch(() => {
          if (listings.get(key) === started) listings.delete(key);
        });
      }
      return (await listing.runners).get(runnerId) ?? null;
    },
  };
}
