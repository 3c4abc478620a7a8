// Step 8: the isolated margin units of each cycle, per account.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 8,
  name: 'isolated units per cycle',
  up: `
-- The isolated margin units of a cycle, summed per account (only accounts holding an isolated position have a row).
-- cycle_result_chunks holds the cross part; the accounts grid adds these so that an account whose risk sits in
-- isolated positions shows its margin, and its health as its worst unit's (worst_equity / worst_mm).
CREATE TABLE cycle_isolated_units (
  cycle_id     INTEGER NOT NULL REFERENCES margin_cycles (id),
  account_id   TEXT    NOT NULL REFERENCES accounts (id),
  units        INTEGER NOT NULL CHECK (units > 0),                            -- isolated positions
  equity       INTEGER NOT NULL,                                              -- micro-USD, summed over the units
  mm           INTEGER NOT NULL CHECK (mm >= 0),
  im           INTEGER NOT NULL CHECK (im >= 0),
  worst_equity INTEGER NOT NULL,                                              -- the unit of lowest equity / MM
  worst_mm     INTEGER NOT NULL CHECK (worst_mm >= 0),
  PRIMARY KEY (cycle_id, account_id)
) STRICT, WITHOUT ROWID;
`,
};
