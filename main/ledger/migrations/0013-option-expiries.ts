// Step 13: options at expiry (issue 18). One row per option expired: the underlying's final settlement price and
// where it came from, how it settled (exercised into the underlying instrument, or in cash), the lots exercised and
// assigned, and the assignment method with the seed a random one drew with; every position it closed beside it.
// Append-only, like the futures' settlements. Written out in full, with no helper, so that the step's text can never
// change once released.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 13,
  name: 'option expiries',
  up: `
CREATE TABLE option_expiries (
  instrument_id    TEXT    NOT NULL PRIMARY KEY REFERENCES instruments (id),
  expiry           TEXT    NOT NULL CHECK (expiry GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  underlying_price TEXT    NOT NULL CHECK (underlying_price <> ''),              -- decimal, USD per unit of price
  rule             TEXT    NOT NULL CHECK (rule = 'imported' OR rule = 'underlying_settlement' OR rule = 'underlying_mark'),
  price_at         TEXT    CHECK (price_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  in_the_money     INTEGER NOT NULL CHECK (in_the_money = 0 OR in_the_money = 1),
  settles          TEXT    NOT NULL CHECK (settles = 'exercise' OR settles = 'cash'),
  into_instrument  TEXT    REFERENCES instruments (id),                         -- the underlying instrument (exercise)
  method           TEXT    NOT NULL CHECK (method = 'pro_rata' OR method = 'random'),
  seed             TEXT,                                                         -- the random draw's seed (random)
  exercised        INTEGER NOT NULL CHECK (exercised >= 0),                      -- long lots exercised
  assigned         INTEGER NOT NULL CHECK (assigned >= 0 AND assigned <= exercised), -- short lots assigned
  settled_at       TEXT    NOT NULL CHECK (settled_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  actor            TEXT    NOT NULL CHECK (actor <> ''),
  positions        INTEGER NOT NULL CHECK (positions >= 0),
  CHECK ((rule = 'underlying_mark') = (price_at IS NOT NULL)),
  CHECK ((settles = 'exercise') = (into_instrument IS NOT NULL)),
  CHECK ((method = 'random') = (seed IS NOT NULL)),
  CHECK (settled_at >= expiry)
) STRICT;
CREATE TRIGGER option_expiries_no_update BEFORE UPDATE ON option_expiries
BEGIN SELECT RAISE(ABORT, 'option expiries are append-only'); END;
CREATE TRIGGER option_expiries_no_delete BEFORE DELETE ON option_expiries
BEGIN SELECT RAISE(ABORT, 'option expiries are append-only'); END;

CREATE TABLE option_exercises (
  instrument_id    TEXT    NOT NULL REFERENCES option_expiries (instrument_id),
  account_id       TEXT    NOT NULL REFERENCES accounts (id),
  quantity         INTEGER NOT NULL CHECK (quantity <> 0),                       -- option lots held, signed
  entry_value      INTEGER NOT NULL,                                             -- micro-USD (the premium)
  lots             INTEGER NOT NULL CHECK (lots >= 0),                           -- exercised (long) or assigned (short)
  underlying_lots  INTEGER NOT NULL,                                             -- lots of into_instrument taken, signed
  cash             INTEGER NOT NULL,                                             -- micro-USD into the USD holding
  realised         INTEGER NOT NULL,                                             -- micro-USD
  PRIMARY KEY (instrument_id, account_id)
) STRICT;
CREATE INDEX option_exercises_account ON option_exercises (account_id);
CREATE TRIGGER option_exercises_no_update BEFORE UPDATE ON option_exercises
BEGIN SELECT RAISE(ABORT, 'option exercises are append-only'); END;
CREATE TRIGGER option_exercises_no_delete BEFORE DELETE ON option_exercises
BEGIN SELECT RAISE(ABORT, 'option exercises are append-only'); END;
`,
};
