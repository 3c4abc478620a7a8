// Step 2: liquidations: impact tables, plans with their orders, fills and events, the insurance fund
// and shortfalls, automation switches and circuit breakers.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 2,
  name: 'liquidations',
  up: `
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
  approved_at    TEXT    CHECK (approved_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  confirmed_by   TEXT,
  confirmed_at   TEXT    CHECK (confirmed_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  automated      INTEGER NOT NULL DEFAULT 0 CHECK (automated IN (0, 1)),        -- executed by automation
  created_at     TEXT    NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  updated_at     TEXT    NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  at             TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  at               TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  updated_at TEXT    NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  CHECK ((scope = 'global') = (target = '')),
  PRIMARY KEY (scope, target)
) STRICT, WITHOUT ROWID;

-- Circuit breakers: a trip pauses automation for its instrument until a supervisor resets it.
CREATE TABLE circuit_breakers (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  instrument_id TEXT    NOT NULL REFERENCES instruments (id),
  tripped_at    TEXT    NOT NULL CHECK (tripped_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  window_from   TEXT    NOT NULL CHECK (window_from GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  window_to     TEXT    NOT NULL CHECK (window_to GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  low           INTEGER NOT NULL,                                               -- ticks
  high          INTEGER NOT NULL CHECK (high >= low),                           -- ticks
  band          INTEGER NOT NULL CHECK (band > 0),                              -- ppm
  reset_at      TEXT    CHECK (reset_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  reset_by      TEXT,
  reset_reason  TEXT,
  CHECK ((reset_at IS NULL) = (reset_by IS NULL))
) STRICT;
CREATE UNIQUE INDEX circuit_breakers_one_tripped ON circuit_breakers (instrument_id) WHERE reset_at IS NULL;

-- The insurance fund and liquidation revenue: ledger accounts whose balance is the sum of their entries.
CREATE TABLE fund_entries (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  fund           TEXT    NOT NULL CHECK (fund IN ('insurance', 'liquidation_revenue')),
  at             TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  at             TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  status         TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'allocated')),
  note           TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX shortfalls_member ON shortfalls (member_id, status);
`,
};
