import type { SimAccount } from "../webhooks/model.js";
import type {
  InstallationRecord,
  JobRecord,
  RepositoryRecord,
  RunRecord,
  RunnerGroupRecord,
  RunnerRecord,
} from "./records.js";

// Each kind of id starts in its own range so a test that mixes them up fails,
// and job and run ids exceed 2^32 as GitHub's do, so 32-bit storage breaks loudly.
const ID_BASES = {
  account: 9_000,
  repository: 700_000,
  installation: 40_000,
  runnerGroup: 2,
  runner: 10,
  run: 12_000_000_000,
  job: 31_000_000_000,
  deployment: 5_000,
} as const;

type IdKind = keyof typeof ID_BASES;

/** Every record the simulator holds; lookups are case-insensitive where GitHub's are. */
export class SimState {
  private readonly next = new Map<IdKind, number>();
  readonly accounts = new Map<string, SimAccount>();
  readonly repositories = new Map<number, RepositoryRecord>();
  readonly installations = new Map<number, InstallationRecord>();
  readonly runnerGroups = new Map<number, RunnerGroupRecord>();
  readonly runners = new Map<number, RunnerRecord>();
  readonly runs = new Map<number, RunRecord>();
  readonly jobs = new Map<number, JobRecord>();
  /** Who performs control-API actions in webhook `sender` fields. */
  readonly sender: SimAccount;

  constructor() {
    this.sender = this.account("hangar-sim-user", "User");
  }

  nextId(kind: IdKind): number {
    const id = this.next.get(kind) ?? ID_BASES[kind];
    this.next.set(kind, id + 1);
    return id;
  }

  /** The account named `login`, created on first use. */
  account(login: string, type: SimAccount["type"]): SimAccount {
    const key = login.toLowerCase();
    const existing = this.accounts.get(key);
    if (existing) return existing;
    const created: SimAccount = { login, id: this.nextId("account"), type };
    this.accounts.set(key, created);
    return created;
  }

  findAccount(login: string): SimAccount | undefined {
    return this.accounts.get(login.toLowerCase());
  }

  findRepository(fullName: string): RepositoryRecord | undefined {
    const wanted = fullName.toLowerCase();
    for (const repo of this.repositories.values()) {
      if (repo.fullName.toLowerCase() === wanted) return repo;
    }
    return undefined;
  }

  installationRepositories(installation: InstallationRecord): RepositoryRecord[] {
    return installation.repositoryIds
      .map((id) => this.repositories.get(id))
      .filter((r): r is RepositoryRecord => r !== undefined);
  }

  /**
   * The default runner group exists for every org with id 1, as on GitHub, open to
   * every repository (public ones too: an org's setting, on here so that org runners
   * serve the simulator's public repositories as they always have).
   */
  groupsOf(orgLogin: string): RunnerGroupRecord[] {
    const defaultGroup: RunnerGroupRecord = {
      id: 1,
      name: "Default",
      orgLogin,
      isDefault: true,
      visibility: "all",
      selectedRepositoryIds: [],
      allowsPublicRepositories: true,
    };
    const custom = [...this.runnerGroups.values()].filter(
      (g) => g.orgLogin.toLowerCase() === orgLogin.toLowerCase(),
    );
    return [defaultGroup, ...custom];
  }

  findGroup(orgLogin: string, id: number): RunnerGroupRecord | undefined {
    return this.groupsOf(orgLogin).find((g) => g.id === id);
  }

  findRunnerByName(name: string): RunnerRecord | undefined {
    for (const runner of this.runners.values()) if (runner.name === name) return runner;
    return undefined;
  }

  jobsInOrder(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => a.queuedAtMs - b.queuedAtMs || a.id - b.id);
  }
}
