// Step 15: partial tear-up joins the recovery tools (methodology §8.1 layer 7: "partial tear-up or auto-deleveraging
// of opposing positions"; issue 21). recovery_allocations is rebuilt with the same columns, rows, ids and
// AUTOINCREMENT high-water mark; only the tool CHECK changes, written out literally as a chain of equalities so that
// the list stands as it was at step 15 (a tool added later needs a step of its own). No table refers to
// recovery_allocations, so renaming it first moves no reference; its index goes with the old table and is made again.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 15,
  name: 'partial tear-up',
  up: `
ALTER TABLE recovery_allocations RENAME TO recovery_allocations_v14;
CREATE TABLE recovery_allocations (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id    INTEGER NOT NULL REFERENCES default_cases (id),
  tool       TEXT    NOT NULL CHECK (tool = 'vmGainsHaircut' OR tool = 'adl' OR tool = 'partialTearUp' OR tool = 'socialisedLoss'),
  member_id  TEXT    NOT NULL REFERENCES members (id),
  account_id TEXT    REFERENCES accounts (id),
  amount     INTEGER NOT NULL CHECK (amount > 0),                                 -- micro-USD
  detail     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;
INSERT INTO recovery_allocations (id, case_id, tool, member_id, account_id, amount, detail)
  SELECT id, case_id, tool, member_id, account_id, amount, detail FROM recovery_allocations_v14 ORDER BY id;
DELETE FROM sqlite_sequence WHERE name = 'recovery_allocations';
INSERT INTO sqlite_sequence (name, seq) SELECT 'recovery_allocations', seq FROM sqlite_sequence WHERE name = 'recovery_allocations_v14';
DROP TABLE recovery_allocations_v14;
CREATE INDEX recovery_allocations_case ON recovery_allocations (case_id, id);
`,
};
