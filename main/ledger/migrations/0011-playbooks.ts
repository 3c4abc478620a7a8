// Step 11: recovery playbooks (issue 16): a playbook's versions (each a whole definition, JSON checked against
// shared/contractPlaybook.ts, append-only), its runs (live in the ledger, or a drill in a sandbox copy), and the
// steps each run took: who, when, the note, the outcome, and why a step was refused.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 11,
  name: 'playbooks',
  up: `
CREATE TABLE playbook_versions (
  playbook    TEXT    NOT NULL CHECK (playbook <> ''),
  version     INTEGER NOT NULL CHECK (version > 0),
  name        TEXT    NOT NULL CHECK (name <> ''),
  definition  TEXT    NOT NULL CHECK (json_valid(definition)),
  source      TEXT    NOT NULL CHECK (source IN ('library', 'import')),
  added_by    TEXT    NOT NULL CHECK (added_by <> ''),
  added_at    TEXT    NOT NULL CHECK (added_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  PRIMARY KEY (playbook, version)
) STRICT;
CREATE TRIGGER playbook_versions_next BEFORE INSERT ON playbook_versions
  WHEN NEW.version <> (SELECT coalesce(max(version), 0) + 1 FROM playbook_versions WHERE playbook = NEW.playbook)
BEGIN SELECT RAISE(ABORT, 'playbook_versions: versions are consecutive'); END;
CREATE TRIGGER playbook_versions_no_update BEFORE UPDATE ON playbook_versions
BEGIN SELECT RAISE(ABORT, 'playbook_versions is append-only'); END;
CREATE TRIGGER playbook_versions_no_delete BEFORE DELETE ON playbook_versions
BEGIN SELECT RAISE(ABORT, 'playbook_versions is append-only'); END;

CREATE TABLE playbook_runs (
  id            INTEGER NOT NULL PRIMARY KEY CHECK (id > 0),
  playbook      TEXT    NOT NULL,
  version       INTEGER NOT NULL,
  mode          TEXT    NOT NULL CHECK (mode IN ('live', 'drill')),
  status        TEXT    NOT NULL CHECK (status IN ('running', 'done', 'aborted')),
  current_step  INTEGER CHECK (current_step > 0),                               -- 1-based; NULL once ended
  vars          TEXT    NOT NULL CHECK (json_valid(vars)),                      -- parameters and captured values
  started_by    TEXT    NOT NULL CHECK (started_by <> ''),
  started_at    TEXT    NOT NULL CHECK (started_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  ended_at      TEXT    CHECK (ended_at IS NULL OR ended_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  abort_reason  TEXT,
  paused        TEXT    CHECK (paused IS NULL OR json_valid(paused)),          -- {by, at, reason} while paused
  scenario      TEXT    CHECK (scenario IS NULL OR json_valid(scenario)),      -- a drill's market path and clock speed
  scenario_done INTEGER NOT NULL DEFAULT 0 CHECK (scenario_done >= 0),          -- its points delivered so far
  injected      TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(injected)),    -- a drill's injected events
  covers        TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(covers)),     -- Cover-1 and Cover-2 at start and end
  FOREIGN KEY (playbook, version) REFERENCES playbook_versions (playbook, version),
  CHECK ((status = 'running') = (ended_at IS NULL)),
  CHECK ((status = 'running') = (current_step IS NOT NULL)),
  CHECK ((status = 'aborted') = (abort_reason IS NOT NULL)),
  CHECK (paused IS NULL OR status = 'running')
) STRICT;

CREATE TABLE playbook_run_steps (
  run            INTEGER NOT NULL REFERENCES playbook_runs (id),
  seq            INTEGER NOT NULL CHECK (seq > 0),                              -- order taken (a branch may revisit)
  step           INTEGER NOT NULL CHECK (step > 0),
  status         TEXT    NOT NULL CHECK (status IN ('open', 'awaiting_second', 'done', 'refused', 'aborted')),
  started_at     TEXT    NOT NULL CHECK (started_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  ended_at       TEXT    CHECK (ended_at IS NULL OR ended_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  actor          TEXT,
  second_actor   TEXT,
  note           TEXT,
  outcome        TEXT,
  why            TEXT,                                                          -- a refusal's reason
  approval_id    INTEGER REFERENCES approvals (id),
  paused_seconds INTEGER NOT NULL DEFAULT 0 CHECK (paused_seconds >= 0),       -- time the run was paused in this step
  PRIMARY KEY (run, seq),
  CHECK (second_actor IS NULL OR second_actor <> actor),
  CHECK ((status IN ('open', 'awaiting_second')) = (ended_at IS NULL))
) STRICT;
`,
};
