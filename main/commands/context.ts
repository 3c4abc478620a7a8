import type { Database } from 'better-sqlite3';
import type { Role } from '../../shared/roles.ts';
import type { IntegrityStatus } from '../../shared/contractIntegrity.ts';

export interface Actor {
  name: string;
  role: Role;
}

/** What every command runs with: the ledger, who is acting, and the clock (injected, so tests and drills control time). */
export interface CommandContext {
  db: Database;
  actor: Actor;
  now: () => Date;
  /** The console door's start check of chain and checkpoints; read-only refuses every change but the acknowledgement. */
  integrity?: IntegrityStatus;
}
