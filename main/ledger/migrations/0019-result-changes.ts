// Step 19: a cycle stores only what changed (issue 15, the live book). A margin cycle stored every account's figures
// each time: about 5 MB on the 100k-account book, so a console cycling every minute would add gigabytes a day of
// figures that mostly repeat the cycle before. A cycle's chunk may now be stored as its changes against an earlier
// cycle's full chunk of the same index and the same accounts (the base): the records of the accounts whose figures
// differ, each with its index in the chunk. `changes` holds, for n accounts: n little-endian uint16 indexes, then
// the five int64 columns (collateral, equity, mm, im, call or -1) of n each, then n status bytes (43 bytes each).
// The base is always a full chunk (no chains), kept by the foreign key; a cycle's chunk is in one table or the other.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 19,
  name: 'result changes',
  up: `
CREATE TABLE cycle_result_changes (
  cycle_id      INTEGER NOT NULL REFERENCES margin_cycles (id),
  chunk         INTEGER NOT NULL CHECK (chunk >= 0),
  base_cycle    INTEGER NOT NULL CHECK (base_cycle < cycle_id),
  first_account TEXT    NOT NULL,
  last_account  TEXT    NOT NULL CHECK (last_account >= first_account),
  changes       BLOB    NOT NULL CHECK (length(changes) % 43 = 0),
  PRIMARY KEY (cycle_id, chunk),
  FOREIGN KEY (base_cycle, chunk) REFERENCES cycle_result_chunks (cycle_id, chunk)
) STRICT, WITHOUT ROWID;
CREATE INDEX cycle_result_changes_range ON cycle_result_changes (cycle_id, first_account);
CREATE INDEX cycle_result_changes_base ON cycle_result_changes (base_cycle, chunk);
CREATE INDEX cycle_result_chunks_latest ON cycle_result_chunks (chunk, cycle_id);

CREATE TRIGGER cycle_result_changes_cover_base BEFORE INSERT ON cycle_result_changes
WHEN NOT EXISTS (
  SELECT 1 FROM cycle_result_chunks b
  WHERE b.cycle_id = NEW.base_cycle AND b.chunk = NEW.chunk AND b.first_account = NEW.first_account AND b.last_account = NEW.last_account
)
BEGIN
  SELECT RAISE(ABORT, 'cycle_result_changes: the base chunk does not hold the same accounts');
END;

CREATE TRIGGER cycle_result_changes_one_form BEFORE INSERT ON cycle_result_changes
WHEN EXISTS (SELECT 1 FROM cycle_result_chunks k WHERE k.cycle_id = NEW.cycle_id AND k.chunk = NEW.chunk)
BEGIN
  SELECT RAISE(ABORT, 'cycle_result_changes: the chunk is already stored whole');
END;

CREATE TRIGGER cycle_result_chunks_one_form BEFORE INSERT ON cycle_result_chunks
WHEN EXISTS (SELECT 1 FROM cycle_result_changes d WHERE d.cycle_id = NEW.cycle_id AND d.chunk = NEW.chunk)
BEGIN
  SELECT RAISE(ABORT, 'cycle_result_chunks: the chunk is already stored as changes');
END;
`,
};
