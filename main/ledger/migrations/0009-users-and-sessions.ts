// Step 9: user administration (issue 14). A user can be disabled and made to change the password at the next
// sign-in; a console session is a row here, so that a command from any process (the CLI, another console) can end
// it and the door that holds it refuses its very next call; every sign-in attempt is a row, so back-off and lockout
// count across processes; a grant of supervisor or admin waits here for a second admin. Written out in full, with
// no helper, so that the step's text can never change once released.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 9,
  name: 'users and sessions',
  up: `
ALTER TABLE users ADD COLUMN disabled_at TEXT CHECK (disabled_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z');
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password = 0 OR must_change_password = 1);
ALTER TABLE users ADD COLUMN created_by TEXT;

CREATE TABLE sessions (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  user_name  TEXT    NOT NULL REFERENCES users (name),
  door       TEXT    NOT NULL CHECK (door = 'browser' OR door = 'window'),
  source     TEXT    NOT NULL,
  created_at TEXT    NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  ended_at   TEXT    CHECK (ended_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  ended_by   TEXT,
  end_reason TEXT,
  CHECK ((ended_at IS NULL) = (ended_by IS NULL))
) STRICT;
CREATE INDEX sessions_user_open ON sessions (user_name) WHERE ended_at IS NULL;

CREATE TABLE sign_in_attempts (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  at        TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  user_name TEXT    NOT NULL,                                                     -- as typed: it may name nobody
  source    TEXT    NOT NULL,
  outcome   TEXT    NOT NULL CHECK (outcome = 'ok' OR outcome = 'failed' OR outcome = 'cleared')
) STRICT;
CREATE INDEX sign_in_attempts_user ON sign_in_attempts (user_name, id);
CREATE INDEX sign_in_attempts_source ON sign_in_attempts (source, at);

CREATE TABLE role_grants (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  user_name    TEXT    NOT NULL REFERENCES users (name),
  role         TEXT    NOT NULL CHECK (role = 'supervisor' OR role = 'admin'),
  reason       TEXT    NOT NULL CHECK (reason <> ''),
  requested_by TEXT    NOT NULL CHECK (requested_by <> ''),
  requested_at TEXT    NOT NULL CHECK (requested_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  status       TEXT    NOT NULL CHECK (status = 'pending' OR status = 'confirmed' OR status = 'declined'),
  decided_by   TEXT,
  decided_at   TEXT    CHECK (decided_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  note         TEXT    NOT NULL DEFAULT '',
  CHECK ((decided_by IS NULL) = (decided_at IS NULL)),
  CHECK ((status = 'pending') = (decided_by IS NULL)),
  CHECK (status <> 'confirmed' OR decided_by <> requested_by)                      -- a second admin, never the first
) STRICT;
CREATE UNIQUE INDEX role_grants_one_pending ON role_grants (user_name) WHERE status = 'pending';
`,
};
