// Step 5: the call status and event kind CHECKs as chains of equalities instead of IN lists. The lists are frozen
// as they stood at step 5, not taken from shared/contract.ts: a status added later needs a step of its own
// (db.test.ts checks that the ledger accepts every status the contract names).
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 5,
  name: 'call checks without IN lists',
  up: `
-- The calls and their events are rebuilt with the same columns, rows, ids and AUTOINCREMENT high-water marks; only
-- the status and kind CHECKs change, from IN lists to chains of equalities (oneOf), which accept and refuse exactly
-- the same values. A table cannot change its CHECKs in place. The old tables are renamed first: that re-points the
-- events' reference at the old calls, so the new events are checked against the new calls, and dropping the old
-- tables leaves no row referring to them. Their indexes go with them and are made again on the new tables.
ALTER TABLE margin_calls RENAME TO margin_calls_v4;
CREATE TABLE margin_calls (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT    NOT NULL REFERENCES accounts (id),
  cycle_id   INTEGER NOT NULL REFERENCES margin_cycles (id),
  amount     INTEGER NOT NULL CHECK (amount > 0),                              -- micro-USD demanded
  deposited  INTEGER NOT NULL DEFAULT 0 CHECK (deposited >= 0),                -- micro-USD received
  deadline   TEXT    NOT NULL CHECK (deadline GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  status     TEXT    NOT NULL DEFAULT 'open' CHECK (status = 'open' OR status = 'met' OR status = 'overdue' OR status = 'escalated' OR status = 'waived'),
  created_at TEXT    NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  updated_at TEXT    NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  -- A waiver above the four-eyes amount is requested by one supervisor and confirmed by another.
  waiver_requested_by TEXT,
  waiver_requested_at TEXT CHECK (waiver_requested_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  waiver_reason       TEXT,
  waiver_amount       INTEGER CHECK (waiver_amount > 0),                       -- micro-USD outstanding when asked
  -- A waived or escalated call holds off new calls until the account is back above its call line (cleared).
  cleared_at TEXT CHECK (cleared_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  CHECK ((waiver_requested_by IS NULL) = (waiver_requested_at IS NULL)),
  CHECK (updated_at >= created_at)
) STRICT;
INSERT INTO margin_calls (id, account_id, cycle_id, amount, deposited, deadline, status, created_at, updated_at,
                          waiver_requested_by, waiver_requested_at, waiver_reason, waiver_amount, cleared_at)
  SELECT id, account_id, cycle_id, amount, deposited, deadline, status, created_at, updated_at,
         waiver_requested_by, waiver_requested_at, waiver_reason, waiver_amount, cleared_at
  FROM margin_calls_v4 ORDER BY id;
DELETE FROM sqlite_sequence WHERE name = 'margin_calls';
INSERT INTO sqlite_sequence (name, seq) SELECT 'margin_calls', seq FROM sqlite_sequence WHERE name = 'margin_calls_v4';

ALTER TABLE margin_call_events RENAME TO margin_call_events_v4;
CREATE TABLE margin_call_events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id INTEGER NOT NULL REFERENCES margin_calls (id),
  at      TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  actor   TEXT    NOT NULL CHECK (actor <> ''),
  kind    TEXT    NOT NULL CHECK (kind = 'issued' OR kind = 'raised' OR kind = 'lowered' OR kind = 'deposit' OR kind = 'extended' OR kind = 'waiver_requested' OR kind = 'waived' OR kind = 'met' OR kind = 'overdue' OR kind = 'escalated' OR kind = 'cleared'),
  amount  INTEGER,                                                             -- micro-USD, where the kind has one
  note    TEXT    NOT NULL DEFAULT '',
  CHECK (kind <> 'deposit' OR amount > 0)
) STRICT;
INSERT INTO margin_call_events (id, call_id, at, actor, kind, amount, note)
  SELECT id, call_id, at, actor, kind, amount, note FROM margin_call_events_v4 ORDER BY id;
DELETE FROM sqlite_sequence WHERE name = 'margin_call_events';
INSERT INTO sqlite_sequence (name, seq) SELECT 'margin_call_events', seq FROM sqlite_sequence WHERE name = 'margin_call_events_v4';

DROP TABLE margin_call_events_v4;
DROP TABLE margin_calls_v4;
CREATE UNIQUE INDEX margin_calls_account_live
  ON margin_calls (account_id, (CASE WHEN status IN ('open', 'overdue') THEN 1 END));
CREATE INDEX margin_calls_cycle ON margin_calls (cycle_id);
CREATE INDEX margin_calls_status_deadline ON margin_calls (status, deadline);
CREATE INDEX margin_call_events_call ON margin_call_events (call_id, id);
`,
};
