// Step 14: implied volatilities (issue 17), imported by the volatilities CSV kind: per underlying instrument (the
// future options are written on), at every strike (strike 0) or at one strike (in the underlying's ticks). How
// Black-76 picks among these and the prices' implied_vol is the reader's (bookRepo.readVols). Written out in full,
// with no helper, so the step's text never changes.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 14,
  name: 'volatilities',
  up: `
CREATE TABLE volatilities (
  underlying_instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  strike                   INTEGER NOT NULL CHECK (strike >= 0),                -- ticks of the underlying; 0: every strike
  at                       TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  implied_vol              INTEGER NOT NULL CHECK (implied_vol >= 0),           -- ppm
  source                   TEXT    NOT NULL,
  PRIMARY KEY (underlying_instrument_id, strike, at)
) STRICT, WITHOUT ROWID;
`,
};
