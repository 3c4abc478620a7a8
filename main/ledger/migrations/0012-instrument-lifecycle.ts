// Step 12: the instrument lifecycle (issue 18). Funding of perpetuals: the rate of each funding time, and each time
// paid once (its key), with every account's payment beside it; expiry of futures: final settlement prices and each
// settlement with every position it closed; position limits. What was paid or settled is append-only: a payment is
// undone by another payment, never by editing one. Written out in full, with no helper, so that the step's text can
// never change once released.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 12,
  name: 'instrument lifecycle',
  up: `
-- Funding rates are per funding interval and much finer than margin rates: stored in units of 1e-10 (0.0001 = 1000000).
CREATE TABLE funding_rates (
  instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  at            TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  rate          INTEGER NOT NULL,
  source        TEXT    NOT NULL,
  PRIMARY KEY (instrument_id, at)
) STRICT;

-- One row per funding time paid: the key is what stops an interval being paid twice.
CREATE TABLE funding_events (
  instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  at            TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  rate          INTEGER NOT NULL,                                               -- 1e-10
  mark          INTEGER NOT NULL CHECK (mark > 0),                              -- ticks: the last mark at or before at
  mark_at       TEXT    NOT NULL CHECK (mark_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  paid_at       TEXT    NOT NULL CHECK (paid_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  actor         TEXT    NOT NULL CHECK (actor <> ''),
  positions     INTEGER NOT NULL CHECK (positions >= 0),
  value_sum     INTEGER NOT NULL,                                               -- micro-USD: the signed values paid on
  debited       INTEGER NOT NULL CHECK (debited >= 0),                          -- micro-USD taken from payers
  credited      INTEGER NOT NULL CHECK (credited >= 0),                         -- micro-USD paid to receivers
  house         INTEGER NOT NULL,                                               -- to the clearinghouse's funding account
  PRIMARY KEY (instrument_id, at),
  CHECK (house = debited - credited),
  CHECK (mark_at <= at)
) STRICT;
CREATE TRIGGER funding_events_no_update BEFORE UPDATE ON funding_events
BEGIN SELECT RAISE(ABORT, 'funding events are append-only'); END;
CREATE TRIGGER funding_events_no_delete BEFORE DELETE ON funding_events
BEGIN SELECT RAISE(ABORT, 'funding events are append-only'); END;

CREATE TABLE funding_payments (
  instrument_id TEXT    NOT NULL,
  at            TEXT    NOT NULL,
  account_id    TEXT    NOT NULL REFERENCES accounts (id),
  quantity      INTEGER NOT NULL CHECK (quantity <> 0),                         -- lots
  value         INTEGER NOT NULL,                                               -- micro-USD, signed like quantity
  amount        INTEGER NOT NULL,                                               -- micro-USD: + received, - paid
  isolated      INTEGER NOT NULL CHECK (isolated IN (0, 1)),                    -- 1: into the position's own margin
  PRIMARY KEY (instrument_id, at, account_id),
  FOREIGN KEY (instrument_id, at) REFERENCES funding_events (instrument_id, at)
) STRICT;
CREATE INDEX funding_payments_account ON funding_payments (account_id, at);
CREATE TRIGGER funding_payments_no_update BEFORE UPDATE ON funding_payments
BEGIN SELECT RAISE(ABORT, 'funding payments are append-only'); END;
CREATE TRIGGER funding_payments_no_delete BEFORE DELETE ON funding_payments
BEGIN SELECT RAISE(ABORT, 'funding payments are append-only'); END;

-- Final settlement prices of futures, imported; without one a future settles at its last mark at or before expiry.
CREATE TABLE settlement_prices (
  instrument_id TEXT    NOT NULL PRIMARY KEY REFERENCES instruments (id),
  price         INTEGER NOT NULL CHECK (price > 0),                             -- ticks
  source        TEXT    NOT NULL
) STRICT;

CREATE TABLE expiry_settlements (
  instrument_id TEXT    NOT NULL PRIMARY KEY REFERENCES instruments (id),
  expiry        TEXT    NOT NULL CHECK (expiry GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  price         INTEGER NOT NULL CHECK (price > 0),                             -- ticks
  rule          TEXT    NOT NULL CHECK (rule = 'imported' OR rule = 'last_mark'),
  price_at      TEXT    CHECK (price_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),                                   -- the mark's time (last_mark)
  settled_at    TEXT    NOT NULL CHECK (settled_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  actor         TEXT    NOT NULL CHECK (actor <> ''),
  positions     INTEGER NOT NULL CHECK (positions >= 0),
  realised      INTEGER NOT NULL,                                               -- micro-USD, summed over positions
  CHECK ((rule = 'last_mark') = (price_at IS NOT NULL)),
  CHECK (settled_at >= expiry)
) STRICT;
CREATE TRIGGER expiry_settlements_no_update BEFORE UPDATE ON expiry_settlements
BEGIN SELECT RAISE(ABORT, 'expiry settlements are append-only'); END;
CREATE TRIGGER expiry_settlements_no_delete BEFORE DELETE ON expiry_settlements
BEGIN SELECT RAISE(ABORT, 'expiry settlements are append-only'); END;

CREATE TABLE expiry_closes (
  instrument_id TEXT    NOT NULL REFERENCES expiry_settlements (instrument_id),
  account_id    TEXT    NOT NULL REFERENCES accounts (id),
  quantity      INTEGER NOT NULL CHECK (quantity <> 0),                         -- lots closed
  entry_value   INTEGER NOT NULL,                                               -- micro-USD
  realised      INTEGER NOT NULL,                                               -- micro-USD
  cash          INTEGER NOT NULL,                                               -- micro-USD into the USD holding
  PRIMARY KEY (instrument_id, account_id)
) STRICT;
CREATE INDEX expiry_closes_account ON expiry_closes (account_id);
CREATE TRIGGER expiry_closes_no_update BEFORE UPDATE ON expiry_closes
BEGIN SELECT RAISE(ABORT, 'expiry closes are append-only'); END;
CREATE TRIGGER expiry_closes_no_delete BEFORE DELETE ON expiry_closes
BEGIN SELECT RAISE(ABORT, 'expiry closes are append-only'); END;

-- Physically delivered futures: at settlement each long receives quantity x multiplier of the asset and pays its
-- value at the settlement price; each short delivers and is paid. Futures without a row are cash-settled.
CREATE TABLE instrument_delivery (
  instrument_id TEXT    NOT NULL PRIMARY KEY REFERENCES instruments (id),
  asset_id      TEXT    NOT NULL REFERENCES assets (id)
) STRICT;

CREATE TABLE expiry_deliveries (
  instrument_id TEXT    NOT NULL REFERENCES expiry_settlements (instrument_id),
  account_id    TEXT    NOT NULL REFERENCES accounts (id),
  asset_id      TEXT    NOT NULL REFERENCES assets (id),
  quantity      INTEGER NOT NULL CHECK (quantity <> 0),                         -- asset units: + received, - delivered
  cash          INTEGER NOT NULL,                                               -- micro-USD: - paid, + received
  PRIMARY KEY (instrument_id, account_id)
) STRICT;
CREATE TRIGGER expiry_deliveries_no_update BEFORE UPDATE ON expiry_deliveries
BEGIN SELECT RAISE(ABORT, 'expiry deliveries are append-only'); END;
CREATE TRIGGER expiry_deliveries_no_delete BEFORE DELETE ON expiry_deliveries
BEGIN SELECT RAISE(ABORT, 'expiry deliveries are append-only'); END;

-- Position limits: scope instrument (subject '*'), account or member; instrument '*' for every instrument. Each
-- limit column NULL where not set.
CREATE TABLE position_limits (
  scope         TEXT    NOT NULL CHECK (scope = 'instrument' OR scope = 'account' OR scope = 'member'),
  subject       TEXT    NOT NULL CHECK (subject <> ''),
  instrument_id TEXT    NOT NULL CHECK (instrument_id <> ''),
  max_lots      INTEGER CHECK (max_lots > 0),
  max_notional  INTEGER CHECK (max_notional > 0),                               -- micro-USD
  max_leverage  INTEGER CHECK (max_leverage > 0),                               -- ppm of equity
  max_oi_share  INTEGER CHECK (max_oi_share > 0 AND max_oi_share <= 1000000),   -- ppm of open interest
  PRIMARY KEY (scope, subject, instrument_id),
  CHECK (scope <> 'instrument' OR subject = '*'),
  CHECK (scope <> 'instrument' OR instrument_id <> '*')
) STRICT;
`,
};
