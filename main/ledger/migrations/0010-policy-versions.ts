// Step 10: versioned policy (issue 14 item 4). The policy table keeps the current values; each change a second
// supervisor confirmed is a row here, numbered 1, 2, 3 ... (the policy's version; 0 is the policy the ledger was made
// with), append-only like the journal. Cycles, margin calls and liquidation plans record the version in force in the
// transaction that wrote them (their repositories write it in the same statement: policyRepo.POLICY_VERSION_NOW): a
// call issued by a live tick, or a plan edited by the desk, after a policy change would misstate its policy if it
// were read off its cycle. Rows written before this step keep NULL (not recorded). Written out in full, with no
// helper, so that the step's text can never change once released.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 10,
  name: 'policy versions',
  up: `
CREATE TABLE policy_history (
  version      INTEGER NOT NULL PRIMARY KEY CHECK (version > 0),
  key          TEXT    NOT NULL CHECK (key <> ''),
  old_value    TEXT,                                                            -- NULL: no row, the default applied
  new_value    TEXT    NOT NULL CHECK (new_value <> ''),
  reason       TEXT    NOT NULL CHECK (reason <> ''),
  requested_by TEXT    NOT NULL CHECK (requested_by <> ''),
  requested_at TEXT    NOT NULL CHECK (requested_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  confirmed_by TEXT    NOT NULL CHECK (confirmed_by <> ''),
  at           TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  approval_id  INTEGER NOT NULL REFERENCES approvals (id),
  CHECK (confirmed_by <> requested_by),                                         -- four eyes, never two of one person
  CHECK (old_value IS NULL OR old_value <> new_value),
  CHECK (at >= requested_at)
) STRICT;
CREATE INDEX policy_history_key ON policy_history (key, version);
CREATE TRIGGER policy_history_next_version BEFORE INSERT ON policy_history
  WHEN NEW.version <> (SELECT coalesce(max(version), 0) + 1 FROM policy_history)
BEGIN SELECT RAISE(ABORT, 'policy_history: versions are consecutive'); END;
CREATE TRIGGER policy_history_no_update BEFORE UPDATE ON policy_history
BEGIN SELECT RAISE(ABORT, 'policy_history is append-only'); END;
CREATE TRIGGER policy_history_no_delete BEFORE DELETE ON policy_history
BEGIN SELECT RAISE(ABORT, 'policy_history is append-only'); END;

ALTER TABLE margin_cycles ADD COLUMN policy_version INTEGER CHECK (policy_version >= 0);
ALTER TABLE margin_calls ADD COLUMN policy_version INTEGER CHECK (policy_version >= 0);
ALTER TABLE liquidations ADD COLUMN policy_version INTEGER CHECK (policy_version >= 0);
`,
};
