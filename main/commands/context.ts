import type { Database } from 'better-sqlite3';
import type { Role } from '../../shared/roles.ts';
import type { IntegrityStatus } from '../../shared/contractIntegrity.ts';
import type { ResidentBook } from '../resident/residentBook.ts';

export interface Actor {
  name: string;
  role: Role;
  /**
   * The unattended actor of a door with nobody signed in (the CLI without --as): it may read, and import prices,
   * nothing else (batchMayRun). A collateral file, a deposit or a cycle is somebody's act and names them.
   */
  batch?: true;
  /** Signed in with a password an admin set: nothing runs but the change of it (session.changePassword). */
  mustChangePassword?: true;
}

/** What every command runs with: the ledger, who is acting, and the clock (injected, so tests and drills control time). */
export interface CommandContext {
  db: Database;
  actor: Actor;
  now: () => Date;
  /** Set when a command runs because a second supervisor confirmed it (approvals.ts): the approval and who asked. */
  approval?: { id: number; requestedBy: string };
  /** Set while verify --deep replays the journal: what was accepted then is not asked about again (confirm.ts). */
  replaying?: true;
  /** Set while verify --deep replays a cycle journalled before cycles ran the instrument lifecycle first. */
  preLifecycle?: true;
  /**
   * Set while verify --deep replays a cycle journalled before proposals stored decisions only (its payload's
   * lifecycle mark below CYCLE_FORMAT_DECISIONS): that cycle wrote every live proposal's figures at its marks.
   */
  proposalFiguresFollowMarks?: true;
  /**
   * Replaying an entry whose result lists no limit breaches at expiry: the lifecycle leaves its limit watch out (it
   * only reads), so an entry written before expiries were watched is rebuilt as it was written, and one written
   * since with no breach is rebuilt the same either way.
   */
  noLimitWatch?: true;
  /**
   * Replaying an entry journalled before overrides recorded their automatic alternative (its result has none): the
   * replay leaves it out too, so that the entry is rebuilt as it was written (overrides/wrap.ts).
   */
  preOverrides?: true;
  /** The ledger is a drill's sandbox copy, made by a door (main/doors/makeDrill.ts): only there may a drill start. */
  sandbox?: true;
  /** The console door's start check of chain and checkpoints; read-only refuses every change but the acknowledgement. */
  integrity?: IntegrityStatus;
  /**
   * The running console's resident book (main/resident): cycles and price ticks use it instead of reading the whole
   * book from the ledger. Absent in a one-shot CLI command, which reads the book cold.
   */
  resident?: ResidentBook;
}
