// Numbered schema steps and the runner that applies them. The schema lives here as SQL template strings (no
// files to locate at run time, nothing to forget when packaging).
//
// Rules for every step:
// - every table is STRICT; money, quantities, prices and rates are INTEGER counts of their unit (methodology §1):
//   amounts micro-USD, rates ppm, instrument quantities lots, instrument prices ticks, asset prices
//   10^-price_scale USD, asset quantities 10^-quantity_scale units; decimals that define a unit (multiplier, lot,
//   tick, spread ratio) are TEXT decimal strings;
// - times are ISO-8601 UTC TEXT with milliseconds, exactly '2026-03-12T16:00:00.000Z' (a CHECK enforces the shape,
//   so text order is time order);
// - foreign keys are NO ACTION (nothing cascades: a delete of referenced data is refused, importers upsert);
// - a step never contains BEGIN/COMMIT: the runner wraps all pending steps in one transaction.
import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  /** SQL, one or more statements. */
  up: string;
}

/** PRAGMA application_id of a Riskdesk ledger ('RSKD'). */
export const APPLICATION_ID = 0x52534b44;

/** CHECK body: the column holds a UTC time shaped exactly like '2026-03-12T16:00:00.000Z'. */
function iso(col: string): string {
  return `${col} GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'`;
}

/** CHECK body: the column holds a positive plain decimal string ('1', '0.001', '12.5'). */
function positiveDecimal(col: string): string {
  return (
    `${col} GLOB '[0-9]*' AND ${col} NOT GLOB '*[^0-9.]*' AND ${col} NOT GLOB '*.*.*' ` +
    `AND ${col} NOT GLOB '*.' AND ${col} GLOB '*[1-9]*'`
  );
}

/**
 * CHECK body: the column is one of `values`, written as a chain of equalities. `col IN (a, b, c)` with more than two
 * constants makes SQLite build a temporary b-tree of the list at every execution of a statement that checks it
 * (~2 us an insert, measured), and the live ticker inserts a call and its event for every account a tick calls.
 */
function oneOf(col: string, values: readonly string[]): string {
  return values.map((v) => `${col} = '${v}'`).join(' OR ');
}

const ZERO_HASH = '0'.repeat(64);

function hex64(col: string): string {
  return `length(${col}) = 64 AND ${col} NOT GLOB '*[^0-9a-f]*'`;
}

const V1_INITIAL = `
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
  at       TEXT    NOT NULL CHECK (${iso('at')}),
  price    INTEGER NOT NULL CHECK (price >= 0),                                -- 10^-price_scale USD
  source   TEXT    NOT NULL,
  PRIMARY KEY (asset_id, at)
) STRICT, WITHOUT ROWID;

CREATE TABLE instruments (
  id                    TEXT    NOT NULL PRIMARY KEY CHECK (id <> ''),
  kind                  TEXT    NOT NULL CHECK (kind IN ('future', 'perpetual', 'option')),
  underlying            TEXT    NOT NULL CHECK (underlying <> ''),
  multiplier            TEXT    NOT NULL CHECK (${positiveDecimal('multiplier')}),
  lot                   TEXT    NOT NULL CHECK (${positiveDecimal('lot')}),
  tick                  TEXT    NOT NULL CHECK (${positiveDecimal('tick')}),
  lot_tick_value        INTEGER NOT NULL CHECK (lot_tick_value > 0),           -- micro-USD per lot per tick
  margin                TEXT    NOT NULL CHECK (margin IN ('tiered', 'portfolio')),
  slippage              INTEGER NOT NULL DEFAULT 0 CHECK (slippage BETWEEN 0 AND 1000000),   -- ppm
  expiry                TEXT    CHECK (${iso('expiry')}),
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
  ratio      TEXT NOT NULL CHECK (${positiveDecimal('ratio')}),
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
  created_at    TEXT NOT NULL CHECK (${iso('created_at')})
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
  at            TEXT    NOT NULL CHECK (${iso('at')}),
  mark          INTEGER NOT NULL,                                              -- ticks (may be < 0)
  index_price   INTEGER,                                                       -- ticks
  implied_vol   INTEGER CHECK (implied_vol >= 0),                              -- ppm
  source        TEXT    NOT NULL,
  PRIMARY KEY (instrument_id, at)
) STRICT, WITHOUT ROWID;

-- Margin cycles and calls ------------------------------------------------------------------------------------------

CREATE TABLE margin_cycles (
  id       INTEGER PRIMARY KEY AUTOINCREMENT,
  as_of    TEXT    NOT NULL CHECK (${iso('as_of')}),
  run_at   TEXT    NOT NULL CHECK (${iso('run_at')}),
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
  deadline   TEXT    NOT NULL CHECK (${iso('deadline')}),
  status     TEXT    NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'met', 'overdue', 'escalated', 'waived')),
  created_at TEXT    NOT NULL CHECK (${iso('created_at')}),
  updated_at TEXT    NOT NULL CHECK (${iso('updated_at')}),
  -- A waiver above the four-eyes amount is requested by one supervisor and confirmed by another.
  waiver_requested_by TEXT,
  waiver_requested_at TEXT CHECK (${iso('waiver_requested_at')}),
  waiver_reason       TEXT,
  waiver_amount       INTEGER CHECK (waiver_amount > 0),                       -- micro-USD outstanding when asked
  -- A waived or escalated call holds off new calls until the account is back above its call line (cleared).
  cleared_at TEXT CHECK (${iso('cleared_at')}),
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
  at      TEXT    NOT NULL CHECK (${iso('at')}),
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
  at        TEXT    NOT NULL CHECK (${iso('at')}),
  actor     TEXT    NOT NULL CHECK (actor <> ''),
  command   TEXT    NOT NULL CHECK (command <> ''),
  payload   TEXT    NOT NULL CHECK (json_valid(payload)),                      -- canonical JSON
  result    TEXT    NOT NULL CHECK (json_valid(result)),                       -- canonical JSON
  prev_hash TEXT    NOT NULL CHECK (${hex64('prev_hash')}),
  hash      TEXT    NOT NULL CHECK (${hex64('hash')})
) STRICT;

-- A new entry must extend the head: seq = head + 1 (first = 1) and prev_hash = the head's hash (first: 64 zeros).
-- This also closes INSERT OR REPLACE (a replaced seq is never head + 1).
CREATE TRIGGER journal_append_only_chain BEFORE INSERT ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal seq must be the previous seq + 1')
   WHERE NEW.seq IS NOT COALESCE((SELECT max(seq) FROM journal), 0) + 1;
  SELECT RAISE(ABORT, 'journal prev_hash must be the previous entry''s hash')
   WHERE NEW.prev_hash IS NOT COALESCE((SELECT hash FROM journal WHERE seq = NEW.seq - 1), '${ZERO_HASH}');
END;

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only');
END;

CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal is append-only');
END;
`;

const V2_LIQUIDATIONS = `
-- Size-based impact table of an instrument (methodology §7): slippage rate by closed notional, bracketed like tiers.
CREATE TABLE instrument_impact (
  instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  floor         INTEGER NOT NULL CHECK (floor >= 0),                           -- micro-USD of closed notional
  rate          INTEGER NOT NULL CHECK (rate BETWEEN 0 AND 999999),            -- ppm
  PRIMARY KEY (instrument_id, floor)
) STRICT, WITHOUT ROWID;

-- A liquidation proposal and its review (design.md §2.3). At most one live proposal per account.
CREATE TABLE liquidations (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id     TEXT    NOT NULL REFERENCES accounts (id),
  cycle_id       INTEGER NOT NULL REFERENCES margin_cycles (id),
  status         TEXT    NOT NULL CHECK (status IN ('proposed', 'held', 'pending_second', 'approved', 'executing',
                                                    'executed', 'rejected', 'superseded')),
  reasons        TEXT    NOT NULL CHECK (json_valid(reasons)),
  before_figures TEXT    NOT NULL CHECK (json_valid(before_figures)),           -- decimal strings
  proposed_after TEXT    NOT NULL CHECK (json_valid(proposed_after)),           -- the engine's orders' outcome
  after_figures  TEXT    NOT NULL CHECK (json_valid(after_figures)),            -- the current orders' outcome
  notional       INTEGER NOT NULL CHECK (notional >= 0),                        -- current orders, micro-USD
  edited         INTEGER NOT NULL DEFAULT 0 CHECK (edited IN (0, 1)),
  approved_by    TEXT,
  approved_at    TEXT    CHECK (${iso('approved_at')}),
  confirmed_by   TEXT,
  confirmed_at   TEXT    CHECK (${iso('confirmed_at')}),
  automated      INTEGER NOT NULL DEFAULT 0 CHECK (automated IN (0, 1)),        -- executed by automation
  created_at     TEXT    NOT NULL CHECK (${iso('created_at')}),
  updated_at     TEXT    NOT NULL CHECK (${iso('updated_at')}),
  CHECK ((approved_by IS NULL) = (approved_at IS NULL)),
  CHECK ((confirmed_by IS NULL) = (confirmed_at IS NULL)),
  CHECK (confirmed_by IS NULL OR confirmed_by <> approved_by),
  CHECK (updated_at >= created_at)
) STRICT;
CREATE UNIQUE INDEX liquidations_one_live ON liquidations (account_id)
  WHERE status IN ('proposed', 'held', 'pending_second', 'approved', 'executing');
CREATE INDEX liquidations_status ON liquidations (status, id);
CREATE INDEX liquidations_cycle ON liquidations (cycle_id);

CREATE TABLE liquidation_orders (
  liquidation_id   INTEGER NOT NULL REFERENCES liquidations (id),
  seq              INTEGER NOT NULL CHECK (seq >= 1),
  instrument_id    TEXT    NOT NULL REFERENCES instruments (id),
  isolated         INTEGER NOT NULL CHECK (isolated IN (0, 1)),
  side             TEXT    NOT NULL CHECK (side IN ('buy', 'sell')),
  proposed_lots    INTEGER NOT NULL CHECK (proposed_lots >= 0),                 -- the engine's quantity
  lots             INTEGER NOT NULL CHECK (lots >= 0),                          -- the desk's quantity
  filled_lots      INTEGER NOT NULL DEFAULT 0 CHECK (filled_lots >= 0 AND filled_lots <= lots),
  mark             INTEGER NOT NULL,                                            -- ticks
  price            INTEGER NOT NULL,                                            -- estimated, ticks
  notional         INTEGER NOT NULL CHECK (notional >= 0),                      -- at the estimated price
  liquidation_fee  INTEGER NOT NULL CHECK (liquidation_fee >= 0),
  insurance_fee    INTEGER NOT NULL CHECK (insurance_fee >= 0),
  bankruptcy_price TEXT,                                                        -- per unit, 8 places
  PRIMARY KEY (liquidation_id, seq),
  UNIQUE (liquidation_id, instrument_id)
) STRICT;

CREATE TABLE liquidation_events (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  liquidation_id INTEGER NOT NULL REFERENCES liquidations (id),
  at             TEXT    NOT NULL CHECK (${iso('at')}),
  actor          TEXT    NOT NULL CHECK (actor <> ''),
  kind           TEXT    NOT NULL CHECK (kind IN ('proposed', 'edited', 'approved', 'confirmed', 'held', 'released',
                                                  'rejected', 'filled', 'executed', 'superseded')),
  note           TEXT    NOT NULL DEFAULT '',
  detail         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;
CREATE INDEX liquidation_events_liquidation ON liquidation_events (liquidation_id, id);

CREATE TABLE liquidation_fills (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  liquidation_id   INTEGER NOT NULL REFERENCES liquidations (id),
  seq              INTEGER NOT NULL,
  at               TEXT    NOT NULL CHECK (${iso('at')}),
  actor            TEXT    NOT NULL CHECK (actor <> ''),
  lots             INTEGER NOT NULL CHECK (lots > 0),
  price            INTEGER NOT NULL,                                            -- ticks
  simulated        INTEGER NOT NULL CHECK (simulated IN (0, 1)),
  realised         INTEGER NOT NULL,                                            -- micro-USD
  liquidation_fee  INTEGER NOT NULL CHECK (liquidation_fee >= 0),
  insurance_fee    INTEGER NOT NULL CHECK (insurance_fee >= 0),
  settlement_delta INTEGER NOT NULL,                                            -- settlement asset units
  FOREIGN KEY (liquidation_id, seq) REFERENCES liquidation_orders (liquidation_id, seq)
) STRICT;
CREATE INDEX liquidation_fills_liquidation ON liquidation_fills (liquidation_id, id);

-- Automation switches (methodology §7): global, per instrument, per account. No global row means off; an instrument
-- or account without a row follows the global switch.
CREATE TABLE automation_switches (
  scope      TEXT    NOT NULL CHECK (scope IN ('global', 'instrument', 'account')),
  target     TEXT    NOT NULL,                                                  -- '' for global
  enabled    INTEGER NOT NULL CHECK (enabled IN (0, 1)),
  reason     TEXT    NOT NULL,
  updated_by TEXT    NOT NULL CHECK (updated_by <> ''),
  updated_at TEXT    NOT NULL CHECK (${iso('updated_at')}),
  CHECK ((scope = 'global') = (target = '')),
  PRIMARY KEY (scope, target)
) STRICT, WITHOUT ROWID;

-- Circuit breakers: a trip pauses automation for its instrument until a supervisor resets it.
CREATE TABLE circuit_breakers (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  tripped_at    TEXT    NOT NULL CHECK (${iso('tripped_at')}),
  window_from   TEXT    NOT NULL CHECK (${iso('window_from')}),
  window_to     TEXT    NOT NULL CHECK (${iso('window_to')}),
  low           INTEGER NOT NULL,                                               -- ticks
  high          INTEGER NOT NULL CHECK (high >= low),                           -- ticks
  band          INTEGER NOT NULL CHECK (band > 0),                              -- ppm
  reset_at      TEXT    CHECK (${iso('reset_at')}),
  reset_by      TEXT,
  reset_reason  TEXT,
  CHECK ((reset_at IS NULL) = (reset_by IS NULL))
) STRICT;
CREATE UNIQUE INDEX circuit_breakers_one_tripped ON circuit_breakers (instrument_id) WHERE reset_at IS NULL;

-- The insurance fund and liquidation revenue: ledger accounts whose balance is the sum of their entries.
CREATE TABLE fund_entries (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  fund           TEXT    NOT NULL CHECK (fund IN ('insurance', 'liquidation_revenue')),
  at             TEXT    NOT NULL CHECK (${iso('at')}),
  actor          TEXT    NOT NULL CHECK (actor <> ''),
  kind           TEXT    NOT NULL CHECK (kind IN ('fee', 'contribution', 'withdrawal', 'loss_cover')),
  amount         INTEGER NOT NULL CHECK (amount <> 0),                          -- micro-USD, signed
  liquidation_id INTEGER REFERENCES liquidations (id),
  fill_id        INTEGER REFERENCES liquidation_fills (id),
  note           TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX fund_entries_fund ON fund_entries (fund, id);
CREATE TRIGGER fund_entries_no_update BEFORE UPDATE ON fund_entries
BEGIN
  SELECT RAISE(ABORT, 'fund entries are append-only');
END;
CREATE TRIGGER fund_entries_no_delete BEFORE DELETE ON fund_entries
BEGIN
  SELECT RAISE(ABORT, 'fund entries are append-only');
END;

-- Negative equity left after a liquidation: handed to default management.
CREATE TABLE shortfalls (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id     TEXT    NOT NULL REFERENCES accounts (id),
  member_id      TEXT    NOT NULL REFERENCES members (id),
  liquidation_id INTEGER REFERENCES liquidations (id),
  amount         INTEGER NOT NULL CHECK (amount > 0),                           -- micro-USD
  at             TEXT    NOT NULL CHECK (${iso('at')}),
  status         TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'allocated')),
  note           TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX shortfalls_member ON shortfalls (member_id, status);
`;


/** The scenario library a new ledger starts with: real historical days (daily closes in shared/data) and hypotheses. */
const STRESS_SEED_ROWS: [string, string, 'historical' | 'hypothetical', string, Record<string, string>][] = [
  ['demo-violent-day', 'Demo book violent day', 'historical', "The demo book's last day: the March 2020 crash moves it replays (market.ts)", { BTC: '-0.372', ETH: '-0.423', NDX: '-0.123', USDT: '-0.051' }],
  ['hist-2020-03-12', 'Black Thursday 2020-03-12', 'historical', 'Close-to-close moves of 12 March 2020 (Covid crash)', { BTC: '-0.3717', ETH: '-0.4235', NDX: '-0.0943' }],
  ['hist-2021-05-19', 'Crypto crash 2021-05-19', 'historical', 'Close-to-close moves of 19 May 2021', { BTC: '-0.1377', ETH: '-0.272', NDX: '-0.0003' }],
  ['hist-2022-06-13', 'Celsius freeze 2022-06-13', 'historical', 'Close-to-close moves of 13 June 2022', { BTC: '-0.1597', ETH: '-0.1665', NDX: '-0.0468' }],
  ['hist-2022-11-09', 'FTX collapse 2022-11-09', 'historical', 'Close-to-close moves of 9 November 2022', { BTC: '-0.1435', ETH: '-0.1746', NDX: '-0.0248' }],
  ['hypo-crypto-halving', 'Crypto halves', 'hypothetical', 'BTC -50%, ETH -60%, equities -5%', { BTC: '-0.5', ETH: '-0.6', NDX: '-0.05' }],
  ['hypo-short-squeeze', 'Crypto short squeeze', 'hypothetical', 'BTC +40%, ETH +50%', { BTC: '0.4', ETH: '0.5' }],
  ['hypo-equity-crash', 'Equity crash', 'hypothetical', 'NDX -25% with crypto following', { NDX: '-0.25', BTC: '-0.15', ETH: '-0.2' }],
  ['hypo-broad-rally', 'Broad rally', 'hypothetical', 'Everything up: shorts stressed', { BTC: '0.25', ETH: '0.3', NDX: '0.1' }],
  ['hypo-stablecoin-depeg', 'Stablecoin de-peg', 'hypothetical', 'USDT -20% with crypto -10%', { USDT: '-0.2', BTC: '-0.1', ETH: '-0.1' }],
];

const sqlText = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const STRESS_SEEDS = STRESS_SEED_ROWS.map(
  ([id, name, kind, description, shocks]) =>
    `INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES (${sqlText(id)}, ${sqlText(name)}, ` +
    `${sqlText(kind)}, ${sqlText(description)}, ${sqlText(JSON.stringify(shocks))}, 'migration', '2026-01-01T00:00:00.000Z');`,
).join('\n');

const V3_DEFAULT_MANAGEMENT = `
-- Member standing: every status change, with who, when and why (declarations, suspensions, watch, reinstatement).
CREATE TABLE member_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id   TEXT    NOT NULL REFERENCES members (id),
  at          TEXT    NOT NULL CHECK (${iso('at')}),
  actor       TEXT    NOT NULL CHECK (actor <> ''),
  from_status TEXT    NOT NULL CHECK (from_status IN ('active', 'watch', 'suspended', 'defaulted')),
  to_status   TEXT    NOT NULL CHECK (to_status IN ('active', 'watch', 'suspended', 'defaulted')),
  reason      TEXT    NOT NULL,
  case_id     INTEGER REFERENCES default_cases (id) DEFERRABLE INITIALLY DEFERRED
) STRICT;
CREATE INDEX member_events_member ON member_events (member_id, id);

-- A declared member default (design.md §2.4): declared by one supervisor, confirmed by another (four eyes).
CREATE TABLE default_cases (
  id               INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id        TEXT    NOT NULL REFERENCES members (id),
  status           TEXT    NOT NULL CHECK (status IN ('pending_second', 'open', 'closed_out', 'allocated', 'recovered', 'withdrawn')),
  reason           TEXT    NOT NULL,
  prior_status     TEXT    NOT NULL CHECK (prior_status IN ('active', 'watch', 'suspended')),
  declared_by      TEXT    NOT NULL CHECK (declared_by <> ''),
  declared_at      TEXT    NOT NULL CHECK (${iso('declared_at')}),
  confirmed_by     TEXT,
  confirmed_at     TEXT    CHECK (${iso('confirmed_at')}),
  -- The latest margin cycle at confirmation: VM gains since the default are measured from it.
  baseline_cycle   INTEGER REFERENCES margin_cycles (id),
  close_out_method TEXT    CHECK (close_out_method IN ('liquidation', 'auction')),
  closed_out_at    TEXT    CHECK (${iso('closed_out_at')}),
  margin           INTEGER CHECK (margin >= 0),                                   -- micro-USD held before close-out
  equity_after     INTEGER,                                                       -- micro-USD after close-out
  close_out_loss   INTEGER CHECK (close_out_loss >= 0),                           -- before the defaulter's margin
  waterfall_at     TEXT    CHECK (${iso('waterfall_at')}),
  waterfall_by     TEXT,
  residual         INTEGER CHECK (residual >= 0),                                 -- left after assessments
  recovery_tools   TEXT    CHECK (recovery_tools IS NULL OR json_valid(recovery_tools)),
  recovered_at     TEXT    CHECK (${iso('recovered_at')}),
  uncovered        INTEGER CHECK (uncovered >= 0),                                -- the resolution gap at the end
  updated_at       TEXT    NOT NULL CHECK (${iso('updated_at')}),
  CHECK ((confirmed_by IS NULL) = (confirmed_at IS NULL)),
  CHECK (confirmed_by IS NULL OR confirmed_by <> declared_by)
) STRICT;
CREATE UNIQUE INDEX default_cases_one_live ON default_cases (member_id) WHERE status <> 'withdrawn';

CREATE TABLE default_events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id INTEGER NOT NULL REFERENCES default_cases (id),
  at      TEXT    NOT NULL CHECK (${iso('at')}),
  actor   TEXT    NOT NULL CHECK (actor <> ''),
  kind    TEXT    NOT NULL CHECK (kind IN ('declared', 'confirmed', 'withdrawn', 'ported', 'closed_out', 'bid', 'awarded',
                                           'waterfall', 'assessed', 'recovered')),
  note    TEXT    NOT NULL DEFAULT '',
  detail  TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;
CREATE INDEX default_events_case ON default_events (case_id, id);

-- Client accounts ported from the defaulter to a surviving member.
CREATE TABLE default_ports (
  case_id     INTEGER NOT NULL REFERENCES default_cases (id),
  account_id  TEXT    NOT NULL REFERENCES accounts (id),
  from_member TEXT    NOT NULL REFERENCES members (id),
  to_member   TEXT    NOT NULL REFERENCES members (id),
  at          TEXT    NOT NULL CHECK (${iso('at')}),
  actor       TEXT    NOT NULL CHECK (actor <> ''),
  equity      INTEGER NOT NULL,                                                   -- micro-USD at the port
  im          INTEGER NOT NULL CHECK (im >= 0),
  PRIMARY KEY (case_id, account_id)
) STRICT, WITHOUT ROWID;

-- The defaulter's positions as they were closed out (by liquidation or auction): the close-out's record.
CREATE TABLE default_closeout_positions (
  case_id       INTEGER NOT NULL REFERENCES default_cases (id),
  account_id    TEXT    NOT NULL REFERENCES accounts (id),
  instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  quantity      INTEGER NOT NULL CHECK (quantity <> 0),                           -- lots, signed, before the close
  entry_value   INTEGER NOT NULL,                                                 -- micro-USD
  mark          INTEGER NOT NULL,                                                 -- ticks
  price         INTEGER NOT NULL,                                                 -- ticks: fill price or mark (auction)
  liquidation_id INTEGER REFERENCES liquidations (id),
  bid_id        INTEGER REFERENCES default_bids (id) DEFERRABLE INITIALLY DEFERRED,
  PRIMARY KEY (case_id, account_id, instrument_id)
) STRICT, WITHOUT ROWID;

-- Auction bids for the defaulter's portfolio: the whole ('*') or one underlying's sub-portfolio.
CREATE TABLE default_bids (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id    INTEGER NOT NULL REFERENCES default_cases (id),
  lot        TEXT    NOT NULL CHECK (lot <> ''),                                  -- '*' or an underlying
  member_id  TEXT    NOT NULL REFERENCES members (id),
  account_id TEXT    NOT NULL REFERENCES accounts (id),                           -- the bidder's house account
  amount     INTEGER NOT NULL,                                                    -- micro-USD paid for the lot at marks
  at         TEXT    NOT NULL CHECK (${iso('at')}),
  actor      TEXT    NOT NULL CHECK (actor <> ''),
  status     TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'won', 'lost')),
  note       TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX default_bids_case ON default_bids (case_id, lot, id);

-- The waterfall of a case (methodology §8.1): each layer, and each member's default-fund use and assessment.
CREATE TABLE default_layers (
  case_id   INTEGER NOT NULL REFERENCES default_cases (id),
  seq       INTEGER NOT NULL CHECK (seq >= 1),
  name      TEXT    NOT NULL,
  available INTEGER NOT NULL CHECK (available >= 0),
  used      INTEGER NOT NULL CHECK (used >= 0 AND used <= available),
  remaining INTEGER NOT NULL CHECK (remaining = available - used),
  PRIMARY KEY (case_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE default_member_allocations (
  case_id           INTEGER NOT NULL REFERENCES default_cases (id),
  member_id         TEXT    NOT NULL REFERENCES members (id),
  default_fund      INTEGER NOT NULL CHECK (default_fund >= 0),                   -- contribution at the waterfall
  default_fund_used INTEGER NOT NULL CHECK (default_fund_used >= 0),
  assessment        INTEGER NOT NULL CHECK (assessment >= 0),
  assessment_cap    INTEGER NOT NULL CHECK (assessment_cap >= 0),
  PRIMARY KEY (case_id, member_id)
) STRICT, WITHOUT ROWID;

-- Default-fund movements of each member (use by a waterfall, replenishment): append-only.
CREATE TABLE default_fund_entries (
  id        INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id TEXT    NOT NULL REFERENCES members (id),
  at        TEXT    NOT NULL CHECK (${iso('at')}),
  actor     TEXT    NOT NULL CHECK (actor <> ''),
  kind      TEXT    NOT NULL CHECK (kind IN ('used', 'replenished')),
  amount    INTEGER NOT NULL CHECK (amount <> 0),                                 -- micro-USD, signed
  case_id   INTEGER REFERENCES default_cases (id),
  note      TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX default_fund_entries_member ON default_fund_entries (member_id, id);
CREATE TRIGGER default_fund_entries_no_update BEFORE UPDATE ON default_fund_entries
BEGIN
  SELECT RAISE(ABORT, 'default-fund entries are append-only');
END;
CREATE TRIGGER default_fund_entries_no_delete BEFORE DELETE ON default_fund_entries
BEGIN
  SELECT RAISE(ABORT, 'default-fund entries are append-only');
END;

-- What a surviving member owes its default fund after a waterfall used it.
CREATE TABLE default_fund_replenishments (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id     INTEGER NOT NULL REFERENCES default_cases (id),
  member_id   TEXT    NOT NULL REFERENCES members (id),
  amount      INTEGER NOT NULL CHECK (amount > 0),
  replenished INTEGER NOT NULL DEFAULT 0 CHECK (replenished >= 0 AND replenished <= amount),
  due         TEXT    NOT NULL CHECK (${iso('due')}),
  status      TEXT    NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'met')),
  created_at  TEXT    NOT NULL CHECK (${iso('created_at')}),
  updated_at  TEXT    NOT NULL CHECK (${iso('updated_at')}),
  UNIQUE (case_id, member_id)
) STRICT;
CREATE INDEX default_fund_replenishments_member ON default_fund_replenishments (member_id, status);

-- Assessments (design.md §2.5): a cash call per surviving member, capped, with due date and payments.
CREATE TABLE assessments (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id    INTEGER NOT NULL REFERENCES default_cases (id),
  member_id  TEXT    NOT NULL REFERENCES members (id),
  amount     INTEGER NOT NULL CHECK (amount > 0),                                 -- micro-USD demanded
  cap        INTEGER NOT NULL CHECK (cap >= amount),
  paid       INTEGER NOT NULL DEFAULT 0 CHECK (paid >= 0 AND paid <= amount),
  due        TEXT    NOT NULL CHECK (${iso('due')}),
  status     TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'overdue', 'paid')),
  created_at TEXT    NOT NULL CHECK (${iso('created_at')}),
  created_by TEXT    NOT NULL CHECK (created_by <> ''),
  updated_at TEXT    NOT NULL CHECK (${iso('updated_at')}),
  CHECK ((status = 'paid') = (paid = amount)),
  UNIQUE (case_id, member_id)
) STRICT;
CREATE INDEX assessments_status_due ON assessments (status, due);
CREATE INDEX assessments_member ON assessments (member_id, id);

CREATE TABLE assessment_payments (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  assessment_id INTEGER NOT NULL REFERENCES assessments (id),
  at            TEXT    NOT NULL CHECK (${iso('at')}),
  actor         TEXT    NOT NULL CHECK (actor <> ''),
  amount        INTEGER NOT NULL CHECK (amount > 0),
  note          TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX assessment_payments_assessment ON assessment_payments (assessment_id, id);

-- What each recovery tool took from whom (methodology §8.1 layer 7).
CREATE TABLE recovery_allocations (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id    INTEGER NOT NULL REFERENCES default_cases (id),
  tool       TEXT    NOT NULL CHECK (tool IN ('vmGainsHaircut', 'adl', 'socialisedLoss')),
  member_id  TEXT    NOT NULL REFERENCES members (id),
  account_id TEXT    REFERENCES accounts (id),
  amount     INTEGER NOT NULL CHECK (amount > 0),                                 -- micro-USD
  detail     TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;
CREATE INDEX recovery_allocations_case ON recovery_allocations (case_id, id);

-- The stress-test scenario library (methodology §8.3): relative price shocks per underlying (or collateral asset).
CREATE TABLE stress_scenarios (
  id          TEXT NOT NULL PRIMARY KEY CHECK (id <> ''),
  name        TEXT NOT NULL CHECK (name <> ''),
  kind        TEXT NOT NULL CHECK (kind IN ('historical', 'hypothetical')),
  description TEXT NOT NULL DEFAULT '',
  shocks      TEXT NOT NULL CHECK (json_valid(shocks)),                          -- {"BTC": "-0.3717", ...}
  updated_by  TEXT NOT NULL CHECK (updated_by <> ''),
  updated_at  TEXT NOT NULL CHECK (${iso('updated_at')})
) STRICT;

${STRESS_SEEDS}
`;

const V4_ONE_CALL_INDEX_PER_ACCOUNT = `
-- A price tick issues its calls to accounts scattered over the book, and every entry it adds to an index keyed by
-- account lands on a page of its own, which the commit then writes to the WAL: with two such indexes, a tick issuing
-- 22 calls wrote 52 pages, and writing them was a third of the tick. One index now does both jobs: it lists each
-- account's calls, and its second column, 1 for a live (open or overdue) call and NULL otherwise, keeps an account
-- to one live call (NULLs never collide in a UNIQUE index), as margin_calls_one_live did.
DROP INDEX margin_calls_one_live;
DROP INDEX margin_calls_account;
CREATE UNIQUE INDEX margin_calls_account_live
  ON margin_calls (account_id, (CASE WHEN status IN ('open', 'overdue') THEN 1 END));
`;

// Frozen copies of the lists as they stood at step 5, not imports of shared/contract.ts's CALL_STATUSES: a released
// step must write the same schema for ever, so a status added later needs a step of its own (db.test.ts checks
// that the ledger accepts every status the contract names).
const STEP5_CALL_STATUSES = ['open', 'met', 'overdue', 'escalated', 'waived'] as const;
const STEP5_CALL_EVENT_KINDS = [
  'issued', 'raised', 'lowered', 'deposit', 'extended', 'waiver_requested', 'waived', 'met', 'overdue', 'escalated', 'cleared',
] as const;

/** Moves a table's AUTOINCREMENT high-water mark from its renamed old copy to its rebuilt self. */
function keepSequence(table: string, old: string): string {
  return `DELETE FROM sqlite_sequence WHERE name = '${table}';
INSERT INTO sqlite_sequence (name, seq) SELECT '${table}', seq FROM sqlite_sequence WHERE name = '${old}';`;
}

const V5_CALL_CHECKS_WITHOUT_IN_LISTS = `
-- The calls and their events are rebuilt with the same columns, rows, ids and AUTOINCREMENT high-water marks; only
-- the status and kind CHECKs change, from IN lists to chains of equalities (oneOf), which accept and refuse exactly
-- the same values. A table cannot change its CHECKs in place. The old tables are renamed first: that re-points the
-- events' reference at the old calls, so the new events are checked against the new calls, and dropping the old
-- tables leaves no row referring to them. Their indexes go with them and are made again on the new tables.
ALTER TABLE margin_calls RENAME TO margin_calls_v4;
CREATE TABLE margin_calls (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  account_id TEXT    NOT NULL REFERENCES accounts (id),
  cycle_id   INTEGER NOT NULL REFERENCES margin_cycles (id),
  amount     INTEGER NOT NULL CHECK (amount > 0),                              -- micro-USD demanded
  deposited  INTEGER NOT NULL DEFAULT 0 CHECK (deposited >= 0),                -- micro-USD received
  deadline   TEXT    NOT NULL CHECK (${iso('deadline')}),
  status     TEXT    NOT NULL DEFAULT 'open' CHECK (${oneOf('status', STEP5_CALL_STATUSES)}),
  created_at TEXT    NOT NULL CHECK (${iso('created_at')}),
  updated_at TEXT    NOT NULL CHECK (${iso('updated_at')}),
  -- A waiver above the four-eyes amount is requested by one supervisor and confirmed by another.
  waiver_requested_by TEXT,
  waiver_requested_at TEXT CHECK (${iso('waiver_requested_at')}),
  waiver_reason       TEXT,
  waiver_amount       INTEGER CHECK (waiver_amount > 0),                       -- micro-USD outstanding when asked
  -- A waived or escalated call holds off new calls until the account is back above its call line (cleared).
  cleared_at TEXT CHECK (${iso('cleared_at')}),
  CHECK ((waiver_requested_by IS NULL) = (waiver_requested_at IS NULL)),
  CHECK (updated_at >= created_at)
) STRICT;
INSERT INTO margin_calls (id, account_id, cycle_id, amount, deposited, deadline, status, created_at, updated_at,
                          waiver_requested_by, waiver_requested_at, waiver_reason, waiver_amount, cleared_at)
  SELECT id, account_id, cycle_id, amount, deposited, deadline, status, created_at, updated_at,
         waiver_requested_by, waiver_requested_at, waiver_reason, waiver_amount, cleared_at
  FROM margin_calls_v4 ORDER BY id;
${keepSequence('margin_calls', 'margin_calls_v4')}

ALTER TABLE margin_call_events RENAME TO margin_call_events_v4;
CREATE TABLE margin_call_events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  call_id INTEGER NOT NULL REFERENCES margin_calls (id),
  at      TEXT    NOT NULL CHECK (${iso('at')}),
  actor   TEXT    NOT NULL CHECK (actor <> ''),
  kind    TEXT    NOT NULL CHECK (${oneOf('kind', STEP5_CALL_EVENT_KINDS)}),
  amount  INTEGER,                                                             -- micro-USD, where the kind has one
  note    TEXT    NOT NULL DEFAULT '',
  CHECK (kind <> 'deposit' OR amount > 0)
) STRICT;
INSERT INTO margin_call_events (id, call_id, at, actor, kind, amount, note)
  SELECT id, call_id, at, actor, kind, amount, note FROM margin_call_events_v4 ORDER BY id;
${keepSequence('margin_call_events', 'margin_call_events_v4')}

DROP TABLE margin_call_events_v4;
DROP TABLE margin_calls_v4;
CREATE UNIQUE INDEX margin_calls_account_live
  ON margin_calls (account_id, (CASE WHEN status IN ('open', 'overdue') THEN 1 END));
CREATE INDEX margin_calls_cycle ON margin_calls (cycle_id);
CREATE INDEX margin_calls_status_deadline ON margin_calls (status, deadline);
CREATE INDEX margin_call_events_call ON margin_call_events (call_id, id);
`;

const V7_FINE_INSTRUMENTS = `
-- Fine instruments (issue 13): one lot moving one tick may be worth less than a whole micro-USD (a lot of 0.00001 at
-- a tick of 0.01: 0.1 micro-USD). An instrument's lot-tick value is now lot_tick_value x 10^-lot_tick_scale
-- micro-USD, in its one canonical form (no trailing zero when the scale is above 0); every instrument already here
-- is an ordinary one, scale 0. Amounts stay whole micro-USD: the engine rounds each position's money once
-- (main/engine/lotValue.ts).
ALTER TABLE instruments ADD COLUMN lot_tick_scale INTEGER NOT NULL DEFAULT 0
  CHECK (lot_tick_scale BETWEEN 0 AND 18 AND (lot_tick_scale = 0 OR lot_tick_value % 10 <> 0));
`;

// Step 6: a command that needs a second supervisor (porting, an auction award, assessments, recovery tools, an
// off-band fill above the four-eyes threshold) waits here, with its checked payload, until another supervisor
// confirms it (issues 14 and 22). Written out in full, with no helper, so the step's text never changes.
const V6_APPROVALS = `
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
`;

const V8_CYCLE_ISOLATED_UNITS = `
-- The isolated margin units of a cycle, summed per account (only accounts holding an isolated position have a row).
-- cycle_result_chunks holds the cross part; the accounts grid adds these so that an account whose risk sits in
-- isolated positions shows its margin, and its health as its worst unit's (worst_equity / worst_mm).
CREATE TABLE cycle_isolated_units (
  cycle_id     INTEGER NOT NULL REFERENCES margin_cycles (id),
  account_id   TEXT    NOT NULL REFERENCES accounts (id),
  units        INTEGER NOT NULL CHECK (units > 0),                            -- isolated positions
  equity       INTEGER NOT NULL,                                              -- micro-USD, summed over the units
  mm           INTEGER NOT NULL CHECK (mm >= 0),
  im           INTEGER NOT NULL CHECK (im >= 0),
  worst_equity INTEGER NOT NULL,                                              -- the unit of lowest equity / MM
  worst_mm     INTEGER NOT NULL CHECK (worst_mm >= 0),
  PRIMARY KEY (cycle_id, account_id)
) STRICT, WITHOUT ROWID;
`;

// Step 9: user administration (issue 14). A user can be disabled and made to change the password at the next
// sign-in; a console session is a row here, so that a command from any process (the CLI, another console) can end
// it and the door that holds it refuses its very next call; every sign-in attempt is a row, so back-off and lockout
// count across processes; a grant of supervisor or admin waits here for a second admin. Written out in full, with
// no helper, so that the step's text can never change once released.
const V9_USERS_AND_SESSIONS = `
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
`;

// Step 10: versioned policy (issue 14 item 4). The policy table keeps the current values; each change a second
// supervisor confirmed is a row here, numbered 1, 2, 3 ... (the policy's version; 0 is the policy the ledger was made
// with), append-only like the journal. Cycles, margin calls and liquidation plans record the version in force in the
// transaction that wrote them (their repositories write it in the same statement: policyRepo.POLICY_VERSION_NOW): a
// call issued by a live tick, or a plan edited by the desk, after a policy change would misstate its policy if it
// were read off its cycle. Rows written before this step keep NULL (not recorded). Written out in full, with no
// helper, so that the step's text can never change once released.
const V10_POLICY_VERSIONS = `
CREATE TABLE policy_history (
  version      INTEGER NOT NULL PRIMARY KEY CHECK (version > 0),
  key          TEXT    NOT NULL CHECK (key <> ''),
  old_value    TEXT,                                                            -- NULL: no row, the default applied
  new_value    TEXT    NOT NULL CHECK (new_value <> ''),
  reason       TEXT    NOT NULL CHECK (reason <> ''),
  requested_by TEXT    NOT NULL CHECK (requested_by <> ''),
  requested_at TEXT    NOT NULL CHECK (requested_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  confirmed_by TEXT    NOT NULL CHECK (confirmed_by <> ''),
  at           TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  approval_id  INTEGER NOT NULL REFERENCES approvals (id),
  CHECK (confirmed_by <> requested_by),                                         -- four eyes, never two of one person
  CHECK (old_value IS NULL OR old_value <> new_value),
  CHECK (at >= requested_at)
) STRICT;
CREATE INDEX policy_history_key ON policy_history (key, version);
CREATE TRIGGER policy_history_next_version BEFORE INSERT ON policy_history
  WHEN NEW.version <> (SELECT coalesce(max(version), 0) + 1 FROM policy_history)
BEGIN SELECT RAISE(ABORT, 'policy_history: versions are consecutive'); END;
CREATE TRIGGER policy_history_no_update BEFORE UPDATE ON policy_history
BEGIN SELECT RAISE(ABORT, 'policy_history is append-only'); END;
CREATE TRIGGER policy_history_no_delete BEFORE DELETE ON policy_history
BEGIN SELECT RAISE(ABORT, 'policy_history is append-only'); END;

ALTER TABLE margin_cycles ADD COLUMN policy_version INTEGER CHECK (policy_version >= 0);
ALTER TABLE margin_calls ADD COLUMN policy_version INTEGER CHECK (policy_version >= 0);
ALTER TABLE liquidations ADD COLUMN policy_version INTEGER CHECK (policy_version >= 0);
`;

// Recovery playbooks (issue 16): a playbook's versions (each a whole definition, JSON checked against
// shared/contractPlaybook.ts, append-only), its runs (live in the ledger, or a drill in a sandbox copy), and the
// steps each run took: who, when, the note, the outcome, and why a step was refused.
const V11_PLAYBOOKS = `
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
`;

// Step 12: the instrument lifecycle (issue 18). Funding of perpetuals: the rate of each funding time, and each time
// paid once (its key), with every account's payment beside it; expiry of futures: final settlement prices and each
// settlement with every position it closed; position limits. What was paid or settled is append-only: a payment is
// undone by another payment, never by editing one. Written out in full, with no helper, so that the step's text can
// never change once released.
const V12_LIFECYCLE = `
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
`;

// Step 13: options at expiry (issue 18). One row per option expired: the underlying's final settlement price and
// where it came from, how it settled (exercised into the underlying instrument, or in cash), the lots exercised and
// assigned, and the assignment method with the seed a random one drew with; every position it closed beside it.
// Append-only, like the futures' settlements. Written out in full, with no helper, so that the step's text can never
// change once released.
const V13_OPTION_EXPIRIES = `
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
`;

// Step 14: implied volatilities (issue 17), imported by the volatilities CSV kind: per underlying instrument (the
// future options are written on), at every strike (strike 0) or at one strike (in the underlying's ticks). How
// Black-76 picks among these and the prices' implied_vol is the reader's (bookRepo.readVols). Written out in full,
// with no helper, so the step's text never changes.
const V14_VOLATILITIES = `
CREATE TABLE volatilities (
  underlying_instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  strike                   INTEGER NOT NULL CHECK (strike >= 0),                -- ticks of the underlying; 0: every strike
  at                       TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  implied_vol              INTEGER NOT NULL CHECK (implied_vol >= 0),           -- ppm
  source                   TEXT    NOT NULL,
  PRIMARY KEY (underlying_instrument_id, strike, at)
) STRICT, WITHOUT ROWID;
`;

/** The product's schema steps, in order. Append new steps; never edit a released one. */
export const MIGRATIONS: readonly Migration[] = Object.freeze([
  { version: 1, name: 'initial', up: V1_INITIAL },
  { version: 2, name: 'liquidations', up: V2_LIQUIDATIONS },
  { version: 3, name: 'default management', up: V3_DEFAULT_MANAGEMENT },
  { version: 4, name: 'one call index per account', up: V4_ONE_CALL_INDEX_PER_ACCOUNT },
  { version: 5, name: 'call checks without IN lists', up: V5_CALL_CHECKS_WITHOUT_IN_LISTS },
  { version: 6, name: 'approvals', up: V6_APPROVALS },
  { version: 7, name: 'fine instruments', up: V7_FINE_INSTRUMENTS },
  { version: 8, name: 'isolated units per cycle', up: V8_CYCLE_ISOLATED_UNITS },
  { version: 9, name: 'users and sessions', up: V9_USERS_AND_SESSIONS },
  { version: 10, name: 'policy versions', up: V10_POLICY_VERSIONS },
  { version: 11, name: 'playbooks', up: V11_PLAYBOOKS },
  { version: 12, name: 'instrument lifecycle', up: V12_LIFECYCLE },
  { version: 13, name: 'option expiries', up: V13_OPTION_EXPIRIES },
  { version: 14, name: 'volatilities', up: V14_VOLATILITIES },
]);

function checkSteps(steps: readonly Migration[]): number {
  steps.forEach((s, i) => {
    if (s.version !== i + 1) {
      throw new Error(`migration steps must be numbered 1, 2, 3, ...: step ${i + 1} is "${s.name}" v${s.version}`);
    }
  });
  return steps.length;
}

/** The latest schema version of a list of steps (the number of steps). */
export function latestVersion(steps: readonly Migration[] = MIGRATIONS): number {
  return checkSteps(steps);
}

export interface MigrationReport {
  from: number;
  to: number;
  /** Versions applied, in order (empty when the database was current). */
  applied: number[];
}

/**
 * Applies every pending step (version > PRAGMA user_version) in ONE immediate transaction, setting
 * user_version (and, from an empty file, application_id) inside it, then checks foreign keys before committing.
 * Any failure rolls everything back: the file stays at its old version with its old schema.
 * A database newer than the steps is refused. `steps` is injectable so tests can add a failing step.
 * Must not be called inside another transaction.
 */
export function runMigrations(db: Database.Database, steps: readonly Migration[] = MIGRATIONS): MigrationReport {
  const latest = checkSteps(steps);
  if (db.inTransaction) throw new Error('runMigrations must not run inside a transaction');
  const readVersion = (): number => Number(db.pragma('user_version', { simple: true }));
  // A ledger already at this version is not written to: opening it needs no write lock (another process may hold
  // it) and works on a read-only file.
  const current = readVersion();
  if (current === latest) return { from: current, to: current, applied: [] };

  const apply = db.transaction((): MigrationReport => {
    const from = readVersion();
    if (from > latest) {
      throw new Error(
        `ledger schema version ${from} is newer than this application's latest version ${latest}: ` +
          'use a newer Riskdesk to open it',
      );
    }
    const applied: number[] = [];
    for (const step of steps) {
      if (step.version <= from) continue;
      try {
        db.exec(step.up);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new Error(`migration ${step.version} "${step.name}" failed: ${msg}`, { cause: e });
      }
      applied.push(step.version);
    }
    if (applied.length === 0) return { from, to: from, applied };
    const violations = db.pragma('foreign_key_check') as unknown[];
    if (violations.length > 0) {
      throw new Error(`migration to version ${latest} leaves ${violations.length} foreign key violation(s)`);
    }
    if (from === 0) db.pragma(`application_id = ${APPLICATION_ID}`);
    db.pragma(`user_version = ${latest}`);
    return { from, to: latest, applied };
  });
  return apply.immediate();
}
