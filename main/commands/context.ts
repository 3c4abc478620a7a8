import type { Database } from 'better-sqlite3';
import type { Role } from '../../shared/roles.ts';

export interface Actor {
  name: string;
  role: Role;
}

/** What every command runs with: the ledger, who is acting, and the clock (injected, so tests and drills control time). */
export interface CommandContext {
  db: Database;
  actor: Actor;
  now: () => Date;
}
