// Step 3: default management: member standing, default cases, porting, close-out and auctions, the
// waterfall, assessments, recovery tools and stress scenarios. The scenario library a new ledger starts with (real
// historical days, daily closes in shared/data, and hypotheses) is seeded here, as INSERTs written out in full.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 3,
  name: 'default management',
  up: `
-- Member standing: every status change, with who, when and why (declarations, suspensions, watch, reinstatement).
CREATE TABLE member_events (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  member_id   TEXT    NOT NULL REFERENCES members (id),
  at          TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  declared_at      TEXT    NOT NULL CHECK (declared_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  confirmed_by     TEXT,
  confirmed_at     TEXT    CHECK (confirmed_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  -- The latest margin cycle at confirmation: VM gains since the default are measured from it.
  baseline_cycle   INTEGER REFERENCES margin_cycles (id),
  close_out_method TEXT    CHECK (close_out_method IN ('liquidation', 'auction')),
  closed_out_at    TEXT    CHECK (closed_out_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  margin           INTEGER CHECK (margin >= 0),                                   -- micro-USD held before close-out
  equity_after     INTEGER,                                                       -- micro-USD after close-out
  close_out_loss   INTEGER CHECK (close_out_loss >= 0),                           -- before the defaulter's margin
  waterfall_at     TEXT    CHECK (waterfall_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  waterfall_by     TEXT,
  residual         INTEGER CHECK (residual >= 0),                                 -- left after assessments
  recovery_tools   TEXT    CHECK (recovery_tools IS NULL OR json_valid(recovery_tools)),
  recovered_at     TEXT    CHECK (recovered_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  uncovered        INTEGER CHECK (uncovered >= 0),                                -- the resolution gap at the end
  updated_at       TEXT    NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  CHECK ((confirmed_by IS NULL) = (confirmed_at IS NULL)),
  CHECK (confirmed_by IS NULL OR confirmed_by <> declared_by)
) STRICT;
CREATE UNIQUE INDEX default_cases_one_live ON default_cases (member_id) WHERE status <> 'withdrawn';

CREATE TABLE default_events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id INTEGER NOT NULL REFERENCES default_cases (id),
  at      TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  at          TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  at         TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  at        TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  due         TEXT    NOT NULL CHECK (due GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  status      TEXT    NOT NULL DEFAULT 'due' CHECK (status IN ('due', 'met')),
  created_at  TEXT    NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  updated_at  TEXT    NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  due        TEXT    NOT NULL CHECK (due GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  status     TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'overdue', 'paid')),
  created_at TEXT    NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  created_by TEXT    NOT NULL CHECK (created_by <> ''),
  updated_at TEXT    NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
  CHECK ((status = 'paid') = (paid = amount)),
  UNIQUE (case_id, member_id)
) STRICT;
CREATE INDEX assessments_status_due ON assessments (status, due);
CREATE INDEX assessments_member ON assessments (member_id, id);

CREATE TABLE assessment_payments (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  assessment_id INTEGER NOT NULL REFERENCES assessments (id),
  at            TEXT    NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z'),
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
  updated_at  TEXT NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9].[0-9][0-9][0-9]Z')
) STRICT;

INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('demo-violent-day', 'Demo book violent day', 'historical', 'The demo book''s last day: the March 2020 crash moves it replays (market.ts)', '{"BTC":"-0.372","ETH":"-0.423","NDX":"-0.123","USDT":"-0.051"}', 'migration', '2026-01-01T00:00:00.000Z');
INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('hist-2020-03-12', 'Black Thursday 2020-03-12', 'historical', 'Close-to-close moves of 12 March 2020 (Covid crash)', '{"BTC":"-0.3717","ETH":"-0.4235","NDX":"-0.0943"}', 'migration', '2026-01-01T00:00:00.000Z');
INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('hist-2021-05-19', 'Crypto crash 2021-05-19', 'historical', 'Close-to-close moves of 19 May 2021', '{"BTC":"-0.1377","ETH":"-0.272","NDX":"-0.0003"}', 'migration', '2026-01-01T00:00:00.000Z');
INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('hist-2022-06-13', 'Celsius freeze 2022-06-13', 'historical', 'Close-to-close moves of 13 June 2022', '{"BTC":"-0.1597","ETH":"-0.1665","NDX":"-0.0468"}', 'migration', '2026-01-01T00:00:00.000Z');
INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('hist-2022-11-09', 'FTX collapse 2022-11-09', 'historical', 'Close-to-close moves of 9 November 2022', '{"BTC":"-0.1435","ETH":"-0.1746","NDX":"-0.0248"}', 'migration', '2026-01-01T00:00:00.000Z');
INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('hypo-crypto-halving', 'Crypto halves', 'hypothetical', 'BTC -50%, ETH -60%, equities -5%', '{"BTC":"-0.5","ETH":"-0.6","NDX":"-0.05"}', 'migration', '2026-01-01T00:00:00.000Z');
INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('hypo-short-squeeze', 'Crypto short squeeze', 'hypothetical', 'BTC +40%, ETH +50%', '{"BTC":"0.4","ETH":"0.5"}', 'migration', '2026-01-01T00:00:00.000Z');
INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('hypo-equity-crash', 'Equity crash', 'hypothetical', 'NDX -25% with crypto following', '{"NDX":"-0.25","BTC":"-0.15","ETH":"-0.2"}', 'migration', '2026-01-01T00:00:00.000Z');
INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('hypo-broad-rally', 'Broad rally', 'hypothetical', 'Everything up: shorts stressed', '{"BTC":"0.25","ETH":"0.3","NDX":"0.1"}', 'migration', '2026-01-01T00:00:00.000Z');
INSERT INTO stress_scenarios(id, name, kind, description, shocks, updated_by, updated_at) VALUES ('hypo-stablecoin-depeg', 'Stablecoin de-peg', 'hypothetical', 'USDT -20% with crypto -10%', '{"USDT":"-0.2","BTC":"-0.1","ETH":"-0.1"}', 'migration', '2026-01-01T00:00:00.000Z');
`,
};
