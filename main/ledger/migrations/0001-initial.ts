// Step 1: the reference data (members, accounts, assets, instruments with their tiers, risk arrays and spreads),
// policy and users, collateral and positions, prices, margin cycles and their results, margin calls, and the
// hash-chained journal.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 1,
  name: 'initial',
  up: `
-- Reference data --------------------------------------------------------------------------------------------------

CREATE TABLE members (
  id                  TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
  name                TEXT    NOT NULL,
  status              TEXT    NOT NULL DEFAULT 'active'
                              CHECK (status IN ('active', 'watch', 'suspended', 'defaulted')),
  default_fund        INTEGER NOT NULL CHECK (default_fund >= 0),              -- micro-USD
  assessment_multiple INTEGER NOT NULL CHECK (assessment_multiple >= 0),       -- ppm of default_fund
  cure_minutes        INTEGER CHECK (cure_minutes > 0)                         -- NULL: policy cureMinutes
) STRICT;

CREATE TABLE accounts (
  id        TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
  member_id TEXT NOT NULL REFERENCES members (id),
  kind      TEXT NOT NULL CHECK (kind IN ('house', 'client')),
  mode      TEXT NOT NULL CHECK (mode IN ('cross', 'isolated'))
) STRICT;
CREATE INDEX accounts_member ON accounts (member_id);

CREATE TABLE assets (
  id              TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
  quantity_scale  INTEGER NOT NULL CHECK (quantity_scale BETWEEN 0 AND 18),
  price_scale     INTEGER NOT NULL CHECK (price_scale BETWEEN 0 AND 18),
  liquidity_class TEXT    NOT NULL
) STRICT;

CREATE TABLE asset_haircuts (
  asset_id TEXT    NOT NULL REFERENCES assets (id),
  floor    INTEGER NOT NULL CHECK (floor >= 0),                                -- micro-USD of holding value
  rate     INTEGER NOT NULL CHECK (rate BETWEEN 0 AND 1000000),                -- ppm
  PRIMARY KEY (asset_id, floor)
) STRICT, WITHOUT ROWID;

CREATE TABLE asset_prices (
  asset_id TEXT    NOT NULL REFERENCES assets (id),
  at       TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  price    INTEGER NOT NULL CHECK (price >= 0),                                -- 10^-price_scale USD
  source   TEXT    NOT NULL,
  PRIMARY KEY (asset_id, at)
) STRICT, WITHOUT ROWID;

CREATE TABLE instruments (
  id                    TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
  kind                  TEXT    NOT NULL CHECK (kind IN ('future', 'perpetual', 'option')),
  underlying            TEXT    NOT NULL CHECK (underlying <> ''),
  multiplier            TEXT    NOT NULL CHECK (multiplier GLOB '[0-9]*' AND multiplier NOT GLOB '*[^0-9.]*' AND multiplier NOT GLOB '*.*.*' AND multiplier NOT GLOB '*.' AND multiplier GLOB '*[1-9]*'),
  lot                   TEXT    NOT NULL CHECK (lot GLOB '[0-9]*' AND lot NOT GLOB '*[^0-9.]*' AND lot NOT GLOB '*.*.*' AND lot NOT GLOB '*.' AND lot GLOB '*[1-9]*'),
  tick                  TEXT    NOT NULL CHECK (tick GLOB '[0-9]*' AND tick NOT GLOB '*[^0-9.]*' AND tick NOT GLOB '*.*.*' AND tick NOT GLOB '*.' AND tick GLOB '*[1-9]*'),
  lot_tick_value        INTEGER NOT NULL CHECK (lot_tick_value > 0),           -- micro-USD per lot per tick
  margin                TEXT    NOT NULL CHECK (margin IN ('tiered', 'portfolio')),
  slippage              INTEGER NOT NULL DEFAULT 0 CHECK (slippage BETWEEN 0 AND 1000000),   -- ppm
  expiry                TEXT    CHECK (expiry GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  option_right          TEXT    CHECK (option_right IN ('call', 'put')),
  option_strike         INTEGER CHECK (option_strike > 0),                     -- ticks
  underlying_instrument TEXT    REFERENCES instruments (id) DEFERRABLE INITIALLY DEFERRED,
  short_option_minimum  INTEGER CHECK (short_option_minimum >= 0),             -- micro-USD/contract; NULL: 0
  price_band            INTEGER CHECK (price_band > 0),                        -- ppm of price
  -- Portfolio (SPAN-style) parameters, methodology §4; NULL for tiered instruments.
  scan_range            INTEGER CHECK (scan_range >= 0),                       -- micro-USD per one long contract
  vol_shift             INTEGER CHECK (vol_shift >= 0),                        -- ppm (volatility points)
  im_multiplier         INTEGER CHECK (im_multiplier >= 1000000),              -- ppm; NULL: 1.1
  CHECK (kind = 'option' OR (option_right IS NULL AND option_strike IS NULL
                             AND underlying_instrument IS NULL AND short_option_minimum IS NULL)),
  CHECK (kind <> 'option' OR (option_right IS NOT NULL AND option_strike IS NOT NULL)),
  CHECK (kind <> 'perpetual' OR expiry IS NULL),
  CHECK (underlying_instrument IS NOT id),
  CHECK (margin = 'portfolio' OR (scan_range IS NULL AND vol_shift IS NULL AND im_multiplier IS NULL))
) STRICT;
CREATE INDEX instruments_underlying ON instruments (underlying);
CREATE INDEX instruments_underlying_instrument ON instruments (underlying_instrument)
  WHERE underlying_instrument IS NOT NULL;

CREATE TABLE instrument_tiers (
  instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  floor         INTEGER NOT NULL CHECK (floor >= 0),                           -- micro-USD of notional
  mmr           INTEGER NOT NULL CHECK (mmr BETWEEN 0 AND 1000000),            -- ppm
  imr           INTEGER NOT NULL CHECK (imr BETWEEN 0 AND 1000000),            -- ppm
  CHECK (imr >= mmr),
  PRIMARY KEY (instrument_id, floor)
) STRICT, WITHOUT ROWID;

-- An imported risk array (methodology §4): 16 scenarios, profit per one long contract in micro-USD, gain positive.
CREATE TABLE instrument_risk_arrays (
  instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  scenario      INTEGER NOT NULL CHECK (scenario BETWEEN 1 AND 16),
  value         INTEGER NOT NULL,
  PRIMARY KEY (instrument_id, scenario)
) STRICT, WITHOUT ROWID;

-- Inter-commodity spread definitions (methodology §4).
CREATE TABLE spreads (
  id       TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
  rate     INTEGER NOT NULL CHECK (rate BETWEEN 0 AND 1000000),              -- credit rate, ppm
  priority INTEGER NOT NULL
) STRICT;

CREATE TABLE spread_legs (
  spread_id  TEXT NOT NULL REFERENCES spreads (id),
  underlying TEXT NOT NULL CHECK (underlying <> ''),
  ratio      TEXT NOT NULL CHECK (ratio GLOB '[0-9]*' AND ratio NOT GLOB '*[^0-9.]*' AND ratio NOT GLOB '*.*.*' AND ratio NOT GLOB '*.' AND ratio GLOB '*[1-9]*'),
  PRIMARY KEY (spread_id, underlying)
) STRICT, WITHOUT ROWID;

CREATE TABLE policy (
  key   TEXT NOT NULL PRIMARY KEY CHECK (key <> ''),
  value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
  name          TEXT NOT NULL PRIMARY KEY CHECK (name <> ''),
  role          TEXT NOT NULL CHECK (role IN ('viewer', 'operator', 'supervisor', 'admin')),
  password_hash TEXT NOT NULL CHECK (password_hash <> ''),
  created_at    TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z')
) STRICT;

-- Holdings and market data -----------------------------------------------------------------------------------------

CREATE TABLE collateral (
  account_id TEXT    NOT NULL REFERENCES accounts (id),
  asset_id   TEXT    NOT NULL REFERENCES assets (id),
  quantity   INTEGER NOT NULL,                                                 -- 10^-quantity_scale; < 0 a debit
  PRIMARY KEY (account_id, asset_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX collateral_asset ON collateral (asset_id);

CREATE TABLE positions (
  account_id      TEXT    NOT NULL REFERENCES accounts (id),
  instrument_id   TEXT    NOT NULL REFERENCES instruments (id),
  quantity        INTEGER NOT NULL,                                            -- lots, signed
  entry_value     INTEGER NOT NULL,                                            -- micro-USD, signed
  isolated_margin INTEGER CHECK (isolated_margin >= 0),                        -- micro-USD; NULL: cross
  PRIMARY KEY (account_id, instrument_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX positions_instrument ON positions (instrument_id);

CREATE TABLE prices (
  instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  at            TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  mark          INTEGER NOT NULL,                                              -- ticks (may be < 0)
  index_price   INTEGER,                                                       -- ticks
  implied_vol   INTEGER CHECK (implied_vol >= 0),                              -- ppm
  source        TEXT    NOT NULL,
  PRIMARY KEY (instrument_id, at)
) STRICT, WITHOUT ROWID;

-- Margin cycles and calls ------------------------------------------------------------------------------------------

CREATE TABLE margin_cycles (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  as_of    TEXT    NOT NULL CHECK (as_of GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  run_at   TEXT    NOT NULL CHECK (run_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  actor    TEXT    NOT NULL CHECK (actor <> ''),
  accounts INTEGER NOT NULL CHECK (accounts >= 0),
  summary  TEXT    NOT NULL CHECK (json_valid(summary))
) STRICT;
CREATE INDEX margin_cycles_as_of ON margin_cycles (as_of);

-- 100k rows per cycle: WITHOUT ROWID (one b-tree, clustered by cycle then account) and a single secondary index.
-- Insert in one transaction with one prepared statement, in account-id order.
-- One cycle's per-account results, packed in chunks of consecutive accounts (by id): a cycle over 100k accounts
-- is ~25 rows, not 100k, so it persists in tens of milliseconds. main/ledger/cycleResults.ts holds the codec;
-- figures is little-endian int64 columns (collateral, equity, mm, im, call or -1) then one status byte each.
CREATE TABLE cycle_result_chunks (
  cycle_id      INTEGER NOT NULL REFERENCES margin_cycles (id),
  chunk         INTEGER NOT NULL CHECK (chunk >= 0),
  first_account TEXT    NOT NULL,
  last_account  TEXT    NOT NULL CHECK (last_account >= first_account),
  count         INTEGER NOT NULL CHECK (count > 0),
  accounts      TEXT    NOT NULL CHECK (json_valid(accounts)),                 -- JSON array of account ids
  figures       BLOB    NOT NULL CHECK (length(figures) = count * 41),
  PRIMARY KEY (cycle_id, chunk)
) STRICT, WITHOUT ROWID;
CREATE INDEX cycle_result_chunks_range ON cycle_result_chunks (cycle_id, first_account);

CREATE TABLE margin_calls (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT    NOT NULL REFERENCES accounts (id),
  cycle_id   INTEGER NOT NULL REFERENCES margin_cycles (id),
  amount     INTEGER NOT NULL CHECK (amount > 0),                              -- micro-USD demanded
  deposited  INTEGER NOT NULL DEFAULT 0 CHECK (deposited >= 0),                -- micro-USD received
  deadline   TEXT    NOT NULL CHECK (deadline GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  status     TEXT    NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'met', 'overdue', 'escalated', 'waived')),
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
-- At most one live (open or overdue) call per account.
CREATE UNIQUE INDEX margin_calls_one_live ON margin_calls (account_id) WHERE status IN ('open', 'overdue');
CREATE INDEX margin_calls_account ON margin_calls (account_id, id);
CREATE INDEX margin_calls_cycle ON margin_calls (cycle_id);
CREATE INDEX margin_calls_status_deadline ON margin_calls (status, deadline);

CREATE TABLE margin_call_events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id INTEGER NOT NULL REFERENCES margin_calls (id),
  at      TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  actor   TEXT    NOT NULL CHECK (actor <> ''),
  kind    TEXT    NOT NULL CHECK (kind IN ('issued', 'raised', 'lowered', 'deposit', 'extended', 'waiver_requested',
                                           'waived', 'met', 'overdue', 'escalated', 'cleared')),
  amount  INTEGER,                                                             -- micro-USD, where the kind has one
  note    TEXT    NOT NULL DEFAULT '',
  CHECK (kind <> 'deposit' OR amount > 0)
) STRICT;
CREATE INDEX margin_call_events_call ON margin_call_events (call_id, id);

-- Journal: append-only, hash-chained (journal.ts computes the hashes) ---------------------------------------------

CREATE TABLE journal (
  seq       INTEGER PRIMARY KEY,                                               -- 1, 2, 3, ... no gaps
  at        TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  actor     TEXT    NOT NULL CHECK (actor <> ''),
  command   TEXT    NOT NULL CHECK (command <> ''),
  payload   TEXT    NOT NULL CHECK (json_valid(payload)),                      -- canonical JSON
  result    TEXT    NOT NULL CHECK (json_valid(result)),                       -- canonical JSON
  prev_hash TEXT    NOT NULL CHECK (length(prev_hash) = 64 AND prev_hash NOT GLOB '*[^0-9a-f]*'),
  hash      TEXT    NOT NULL CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*')
) STRICT;

-- A new entry must extend the head: seq = head + 1 (first = 1) and prev_hash = the head's hash (first: 64 zeros).
-- This also closes INSERT OR REPLACE (a replaced seq is never head + 1).
CREATE TRIGGER journal_append_only_chain BEFORE INSERT ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal seq must be the previous seq + 1')
   WHERE NEW.seq IS NOT COALESCE((SELECT max(seq) FROM journal), 0) + 1;
  SELECT RAISE(ABORT, 'journal prev_hash must be the previous entry''s hash')
   WHERE NEW.prev_hash IS NOT COALESCE((SELECT hash FROM journal WHERE seq = NEW.seq - 1), '0000000000000000000000000000000000000000000000000000000000000000');
END;

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only');
END;

CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only');
END;
`,
};
