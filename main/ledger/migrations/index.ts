// The product's schema steps, in order: one file per step, NNNN-name.ts, applied by runner.ts. See README.md here.
import { migration as m0001 } from './0001-initial.ts';
import { migration as m0002 } from './0002-liquidations.ts';
import { migration as m0003 } from './0003-default-management.ts';
import { migration as m0004 } from './0004-one-call-index-per-account.ts';
import { migration as m0005 } from './0005-call-checks-without-in-lists.ts';
import { migration as m0006 } from './0006-approvals.ts';
import { migration as m0007 } from './0007-fine-instruments.ts';
import { migration as m0008 } from './0008-isolated-units-per-cycle.ts';
import { migration as m0009 } from './0009-users-and-sessions.ts';
import { migration as m0010 } from './0010-policy-versions.ts';
import { migration as m0011 } from './0011-playbooks.ts';
import { migration as m0012 } from './0012-instrument-lifecycle.ts';
import { migration as m0013 } from './0013-option-expiries.ts';
import { migration as m0014 } from './0014-volatilities.ts';
import { migration as m0015 } from './0015-partial-tear-up.ts';
import { migration as m0016 } from './0016-funding-feed-clock.ts';
import { migration as m0017 } from './0017-import-publishing.ts';
import { migration as m0018 } from './0018-portfolio-positions-cross.ts';
import { migration as m0019 } from './0019-result-changes.ts';
import { runMigrations as run, type Migration, type MigrationReport } from './runner.ts';
import type Database from 'better-sqlite3';

export { APPLICATION_ID, latestVersion, type Migration, type MigrationReport } from './runner.ts';

/** Append new steps; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  m0001, m0002, m0003, m0004, m0005, m0006, m0007, m0008, m0009, m0010, m0011, m0012, m0013, m0014, m0015, m0016, m0017, m0018, m0019,
]);

/** Brings `db` to the latest version (runner.ts says how); `steps` is injectable so tests can add a failing step. */
export function runMigrations(db: Database.Database, steps: readonly Migration[] = MIGRATIONS): MigrationReport {
  return run(db, steps);
}
