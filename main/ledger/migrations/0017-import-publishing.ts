// Step 17: a long import published in chunks, still all or nothing (issue 19, long imports). A million-row series
// file (prices, volatilities, asset prices) is written into its table a chunk at a time, each chunk its own short
// transaction, so another writer (a deposit) waits at most about a chunk; its rows stay hidden until one short
// transaction makes them visible and journals the import. A row is hidden while the `publishing` generation it
// carries has a row in import_publishing; the flip deletes that row, and a crashed or refused publish's rows are
// deleted by the next publish, and a published one's marks cleared a chunk at a time after its flip (the partial index
// holds only rows whose mark is not yet cleared, so it stays small).
// `owner` names the process (host and pid) whose publish it is, so that a generation whose process died is known.
// AUTOINCREMENT: a generation number is never used twice, so a row once made visible never hides again.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 17,
  name: 'import publishing',
  up: `
CREATE TABLE import_publishing (
  generation INTEGER PRIMARY KEY AUTOINCREMENT,
  series     TEXT NOT NULL CHECK (series IN ('prices', 'volatilities', 'asset_prices')),
  owner      TEXT NOT NULL CHECK (owner <> ''),
  started    TEXT NOT NULL CHECK (started GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z')
) STRICT;

ALTER TABLE prices ADD COLUMN publishing INTEGER;
ALTER TABLE volatilities ADD COLUMN publishing INTEGER;
ALTER TABLE asset_prices ADD COLUMN publishing INTEGER;

CREATE INDEX prices_publishing ON prices (publishing) WHERE publishing IS NOT NULL;
CREATE INDEX volatilities_publishing ON volatilities (publishing) WHERE publishing IS NOT NULL;
CREATE INDEX asset_prices_publishing ON asset_prices (publishing) WHERE publishing IS NOT NULL;
`,
};
