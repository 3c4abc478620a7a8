// Step 16: the live funding-rate feed's clock per instrument (issue 18). funding.tick refuses a mark observed before
// the instrument's latest one; that time was read back from the rate rows' source text ('feed <time>'), which a
// funding-rates import overwriting the row replaces, so the clock could go back. It now has a row of its own that no
// import writes. Filled from both places the times already are: the rate rows that still say 'feed <time>', and the
// journal's funding.tick results (every mark ever stored, overwritten or not), so that a migrated ledger holds the
// same clock as one rebuilt from its journal (verify --deep compares them). Written out in full, with no helper.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 16,
  name: 'funding feed clock',
  up: `
CREATE TABLE funding_feed_clock (
  instrument_id TEXT NOT NULL PRIMARY KEY REFERENCES instruments (id),
  observed_at   TEXT NOT NULL CHECK (observed_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z')
) STRICT;

INSERT INTO funding_feed_clock (instrument_id, observed_at)
  SELECT instrument_id, max(observed_at) FROM (
    SELECT instrument_id, substr(source, 6) AS observed_at FROM funding_rates WHERE source GLOB 'feed [0-9]*'
    UNION ALL
    SELECT json_extract(s.value, '$.instrument'), json_extract(s.value, '$.time')
      FROM journal j, json_each(j.result, '$.stored') s
      WHERE j.command = 'funding.tick'
  )
  WHERE instrument_id IN (SELECT id FROM instruments)
    AND observed_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'
  GROUP BY instrument_id;
`,
};
