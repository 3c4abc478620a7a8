// Step 6: a command that needs a second supervisor (porting, an auction award, assessments, recovery tools, an
// off-band fill above the four-eyes threshold) waits here, with its checked payload, until another supervisor
// confirms it (issues 14 and 22). Written out in full, with no helper, so the step's text never changes.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 6,
  name: 'approvals',
  up: `
CREATE TABLE approvals (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  channel      TEXT    NOT NULL CHECK (channel <> ''),
  payload      TEXT    NOT NULL CHECK (json_valid(payload)),
  subject      TEXT    NOT NULL CHECK (subject <> ''),                             -- what it acts on, e.g. 'case:3'
  summary      TEXT    NOT NULL CHECK (summary <> ''),                             -- what confirming it does, in words
  requested_by TEXT    NOT NULL CHECK (requested_by <> ''),
  requested_at TEXT    NOT NULL CHECK (requested_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  status       TEXT    NOT NULL CHECK (status = 'pending' OR status = 'confirmed' OR status = 'declined'),
  decided_by   TEXT,
  decided_at   TEXT    CHECK (decided_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  note         TEXT    NOT NULL DEFAULT '',
  CHECK ((decided_by IS NULL) = (decided_at IS NULL)),
  CHECK ((status = 'pending') = (decided_by IS NULL)),
  CHECK (status <> 'confirmed' OR decided_by <> requested_by)                    -- a requester may withdraw, not confirm
) STRICT;
CREATE INDEX approvals_subject ON approvals (subject, id);
CREATE UNIQUE INDEX approvals_one_pending ON approvals (subject, channel) WHERE status = 'pending';
`,
};
