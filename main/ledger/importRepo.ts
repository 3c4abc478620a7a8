// Writes validated CSV rows into the ledger. The rows arrive already parsed and checked (main/csv); a constraint
// failure here still aborts the caller's transaction, so an import lands whole or not at all.
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { CsvRef, Member, Rows } from '../csv/types.ts';
import { readAccounts, readOwnAssets, readInstruments } from './bookRepo.ts';
import { refFromLists } from '../csv/types.ts';
import { writeDeliveries } from './deliveryRepo.ts';
import { writeFundingRates } from './fundingRepo.ts';
import { writeSettlementPrices } from './expiryRepo.ts';
import { writeLimits } from './limitRepo.ts';
import { refuseWhilePublishing } from './seriesVisibility.ts';

/** The ledger's reference data, as the CSV parser looks it up. */
export function ledgerRef(db: Database): CsvRef {
  const members = (db.prepare('SELECT id, name, status, default_fund, assessment_multiple FROM members').safeIntegers(true).all() as {
    id: string;
    name: string;
    status: Member['status'];
    default_fund: bigint;
    assessment_multiple: bigint;
  }[]).map((r) => ({ id: r.id, name: r.name, status: r.status, defaultFund: r.default_fund, assessmentMultiple: r.assessment_multiple }));
  return refFromLists({ members, accounts: readAccounts(db), assets: readOwnAssets(db), instruments: readInstruments(db) });
}

// An import staged outside the write transaction (issue 19, long imports). The time-series kinds, which may run to
// millions of rows, are staged in bulk: their rows go to a table of the connection's own temp database, which takes no
// lock on the ledger, so other writers carry on meanwhile, and the command's transaction publishes them with one
// statement. Nothing staged is ever seen by another connection, and a process killed while staging leaves the ledger as
// it was. The stage stays until the next one (or the connection's end): it is never dropped inside a transaction,
// where a rollback would leave the temp schema in doubt. The other kinds are reference data and books of a few
// thousand rows: the command layer keeps their parsed rows and writes them with writeRows.
export const STAGE = 'temp.import_stage';

/** A time-series kind: one row per key and time, upserted (the newest row of a file for a key wins). */
export interface Series<R> {
  table: string;
  columns: readonly string[];
  key: readonly string[];
  values(r: R, normaliseAt: (s: string) => string): unknown[];
}

const SERIES: { [K in 'prices' | 'volatilities' | 'asset-prices']: Series<Extract<Rows, { kind: K }>['rows'][number]> } = {
  prices: {
    table: 'prices',
    columns: ['instrument_id', 'at', 'mark', 'implied_vol', 'source'],
    key: ['instrument_id', 'at'],
    values: (r, n) => [r.instrument, n(r.at), r.mark, r.impliedVol, r.source ?? 'import'],
  },
  volatilities: {
    table: 'volatilities',
    columns: ['underlying_instrument_id', 'strike', 'at', 'implied_vol', 'source'],
    key: ['underlying_instrument_id', 'strike', 'at'],
    values: (r, n) => [r.underlyingInstrument, r.strike ?? 0n, n(r.at), r.impliedVol, r.source ?? 'import'],
  },
  'asset-prices': {
    table: 'asset_prices',
    columns: ['asset_id', 'at', 'price', 'source'],
    key: ['asset_id', 'at'],
    values: (r, n) => [r.asset, n(r.at), r.price, r.source ?? 'import'],
  },
};

export type SeriesRows = Extract<Rows, { kind: keyof typeof SERIES }>;

/** Whether a kind is staged in bulk (stageSeries) rather than kept parsed. */
export function isSeries(parsed: Rows): parsed is SeriesRows {
  return Object.hasOwn(SERIES, parsed.kind);
}

export function seriesOf(kind: SeriesRows['kind']): Series<SeriesRows['rows'][number]> {
  return SERIES[kind] as Series<SeriesRows['rows'][number]>;
}

/** INSERT ... ON CONFLICT DO UPDATE of a series' table, from VALUES or from a SELECT. */
export function upsertSql(s: Series<unknown>, from: string): string {
  const set = s.columns.filter((c) => !s.key.includes(c)).map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO ${s.table}(${s.columns.join(', ')}) ${from} ON CONFLICT(${s.key.join(', ')}) DO UPDATE SET ${set.join(', ')}`;
}

function writeSeries(db: Database, parsed: SeriesRows, normaliseAt: (s: string) => string): void {
  const s = seriesOf(parsed.kind);
  refuseWhilePublishing(db, s.table);
  const put = db.prepare(upsertSql(s, `VALUES (${s.columns.map(() => '?').join(', ')})`));
  for (const r of parsed.rows) put.run(...s.values(r, normaliseAt));
}

/**
 * Stages a parsed series file (any earlier stage of this connection is dropped first). Keyed as its table is, so that
 * the publish reads the rows in the table's order (a sorted merge into the ledger's b-tree) and the newest row of a
 * key wins, as it does when the rows are upserted one by one.
 */
export function stageSeries(db: Database, parsed: SeriesRows, normaliseAt: (s: string) => string): void {
  const s = seriesOf(parsed.kind);
  db.exec(`DROP TABLE IF EXISTS ${STAGE}`);
  db.exec(`CREATE TABLE ${STAGE} (${s.columns.join(', ')}, PRIMARY KEY (${s.key.join(', ')})) WITHOUT ROWID`);
  const put = db.prepare(`INSERT OR REPLACE INTO ${STAGE} VALUES (${s.columns.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (const r of parsed.rows) put.run(...s.values(r, normaliseAt));
  })();
}

/** Writes the staged rows of a series kind into its table (inside the caller's transaction); the rows written. */
export function publishStagedSeries(db: Database, kind: string): number {
  if (!Object.hasOwn(SERIES, kind)) throw new Error(`${kind} is not a series kind: its rows are not staged in bulk`);
  const s = seriesOf(kind as SeriesRows['kind']);
  return db.prepare(upsertSql(s, `SELECT ${s.columns.join(', ')} FROM ${STAGE} WHERE true`)).run().changes;
}

/** Whether this connection holds a staged series file. */
export function hasStage(db: Database): boolean {
  return db.prepare("SELECT count(*) FROM temp.sqlite_master WHERE type = 'table' AND name = 'import_stage'").pluck().get() !== 0;
}

/** The tables the CSV parser's reference data (ledgerRef) is read from. */
export const REF_TABLES = ['members', 'accounts', 'assets', 'asset_haircuts', 'instruments', 'instrument_tiers', 'instrument_impact', 'instrument_risk_arrays'] as const;
export type RefTable = (typeof REF_TABLES)[number];

/** What a file was checked against: these tables, as their rows stand (a change means check again). */
export function refFingerprint(db: Database, tables: readonly RefTable[]): string {
  const h = createHash('sha256');
  for (const t of tables) {
    h.update(`${t}\n`);
    // Rows in the table's key order; bigints spelled with their n, so that 1 and '1' differ.
    for (const row of db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).raw().safeIntegers(true).iterate()) {
      h.update(`${JSON.stringify(row, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}\n`);
    }
  }
  return h.digest('hex');
}

export function writeRows(db: Database, parsed: Rows, normaliseAt: (s: string) => string): void {
  switch (parsed.kind) {
    case 'members': {
      const s = db.prepare(
        `INSERT INTO members(id, name, status, default_fund, assessment_multiple) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, status = excluded.status,
           default_fund = excluded.default_fund, assessment_multiple = excluded.assessment_multiple`,
      );
      for (const r of parsed.rows) s.run(r.id, r.name, r.status, r.defaultFund, r.assessmentMultiple);
      return;
    }
    case 'accounts': {
      const s = db.prepare(
        `INSERT INTO accounts(id, member_id, kind, mode) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET member_id = excluded.member_id, kind = excluded.kind, mode = excluded.mode`,
      );
      for (const r of parsed.rows) s.run(r.id, r.member, r.kind, r.mode);
      return;
    }
    case 'assets': {
      const s = db.prepare(
        `INSERT INTO assets(id, quantity_scale, price_scale, liquidity_class) VALUES (?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET quantity_scale = excluded.quantity_scale, price_scale = excluded.price_scale,
           liquidity_class = excluded.liquidity_class`,
      );
      for (const r of parsed.rows) s.run(r.id, r.quantityScale, r.priceScale, r.liquidityClass);
      return;
    }
    case 'haircuts': {
      const del = db.prepare('DELETE FROM asset_haircuts WHERE asset_id = ?');
      const ins = db.prepare('INSERT INTO asset_haircuts(asset_id, floor, rate) VALUES (?, ?, ?)');
      for (const t of parsed.rows) {
        del.run(t.asset);
        for (const b of t.haircuts) ins.run(t.asset, b.floor, b.rate);
      }
      return;
    }
    case 'instruments': {
      const s = db.prepare(
        `INSERT INTO instruments(id, kind, underlying, multiplier, lot, tick, lot_tick_value, lot_tick_scale, margin,
           slippage, expiry, option_right, option_strike, underlying_instrument, short_option_minimum, price_band,
           scan_range, vol_shift, im_multiplier)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, underlying = excluded.underlying,
           multiplier = excluded.multiplier, lot = excluded.lot, tick = excluded.tick,
           lot_tick_value = excluded.lot_tick_value, lot_tick_scale = excluded.lot_tick_scale, margin = excluded.margin, slippage = excluded.slippage,
           expiry = excluded.expiry, option_right = excluded.option_right, option_strike = excluded.option_strike,
           underlying_instrument = excluded.underlying_instrument,
           short_option_minimum = excluded.short_option_minimum, price_band = excluded.price_band,
           scan_range = excluded.scan_range, vol_shift = excluded.vol_shift, im_multiplier = excluded.im_multiplier`,
      );
      // An instrument re-imported as tiered keeps no risk array of its portfolio days.
      const dropArray = db.prepare('DELETE FROM instrument_risk_arrays WHERE instrument_id = ?');
      for (const r of parsed.rows) {
        s.run(
          r.id, r.kind, r.underlying, r.multiplier, r.lot, r.tick, r.lotTickValue, r.lotTickScale, r.margin, r.slippage,
          r.expiry === null ? null : normaliseAt(r.expiry),
          r.option?.right ?? null, r.option?.strike ?? null, r.option?.underlyingInstrument ?? null,
          r.option?.shortOptionMinimum ?? null, r.priceBand,
          r.portfolio?.scanRange ?? null, r.portfolio?.volShift ?? null, r.portfolio?.imMultiplier ?? null,
        );
        if (!r.portfolio) dropArray.run(r.id);
      }
      return;
    }
    case 'tiers': {
      const del = db.prepare('DELETE FROM instrument_tiers WHERE instrument_id = ?');
      const ins = db.prepare('INSERT INTO instrument_tiers(instrument_id, floor, mmr, imr) VALUES (?, ?, ?, ?)');
      for (const t of parsed.rows) {
        del.run(t.instrument);
        for (const x of t.tiers) ins.run(t.instrument, x.floor, x.mmr, x.imr);
      }
      return;
    }
    case 'impact': {
      const del = db.prepare('DELETE FROM instrument_impact WHERE instrument_id = ?');
      const ins = db.prepare('INSERT INTO instrument_impact(instrument_id, floor, rate) VALUES (?, ?, ?)');
      for (const t of parsed.rows) {
        del.run(t.instrument);
        for (const b of t.impact) ins.run(t.instrument, b.floor, b.rate);
      }
      return;
    }
    case 'positions': {
      const s = db.prepare(
        `INSERT INTO positions(account_id, instrument_id, quantity, entry_value, isolated_margin) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(account_id, instrument_id) DO UPDATE SET quantity = excluded.quantity,
           entry_value = excluded.entry_value, isolated_margin = excluded.isolated_margin`,
      );
      const del = db.prepare('DELETE FROM positions WHERE account_id = ? AND instrument_id = ?');
      // A flat position (quantity 0) closes the holding rather than storing a zero row.
      for (const r of parsed.rows) {
        if (r.quantity === 0n) del.run(r.account, r.instrument);
        else s.run(r.account, r.instrument, r.quantity, r.entryValue, r.isolatedMargin);
      }
      return;
    }
    case 'collateral': {
      const s = db.prepare(
        `INSERT INTO collateral(account_id, asset_id, quantity) VALUES (?, ?, ?)
         ON CONFLICT(account_id, asset_id) DO UPDATE SET quantity = excluded.quantity`,
      );
      for (const r of parsed.rows) s.run(r.account, r.asset, r.quantity);
      return;
    }
    case 'risk-arrays': {
      const del = db.prepare('DELETE FROM instrument_risk_arrays WHERE instrument_id = ?');
      const ins = db.prepare('INSERT INTO instrument_risk_arrays(instrument_id, scenario, value) VALUES (?, ?, ?)');
      for (const r of parsed.rows) {
        del.run(r.instrument);
        r.values.forEach((v, k) => ins.run(r.instrument, k + 1, v));
      }
      return;
    }
    case 'spreads': {
      const delLegs = db.prepare('DELETE FROM spread_legs WHERE spread_id = ?');
      const put = db.prepare(
        'INSERT INTO spreads(id, rate, priority) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET rate = excluded.rate, priority = excluded.priority',
      );
      const leg = db.prepare('INSERT INTO spread_legs(spread_id, underlying, ratio) VALUES (?, ?, ?)');
      for (const sp of parsed.rows) {
        delLegs.run(sp.id);
        put.run(sp.id, sp.rate, sp.priority);
        for (const l of sp.legs) leg.run(sp.id, l.underlying, l.ratio);
      }
      return;
    }
    case 'prices':
    case 'volatilities':
    case 'asset-prices':
      writeSeries(db, parsed, normaliseAt);
      return;
    case 'funding-rates':
      writeFundingRates(db, parsed.rows.map((r) => ({ ...r, at: normaliseAt(r.at) })));
      return;
    case 'settlement-prices':
      writeSettlementPrices(db, parsed.rows);
      return;
    case 'limits':
      writeLimits(db, parsed.rows);
      return;
    case 'deliveries':
      writeDeliveries(db, parsed.rows);
      return;
  }
}

/** What stored data depends on an instrument's ticks and lots: its positions and its marks. */
export function instrumentInUse(db: Database, id: string): { positions: number; prices: number } {
  const positions = Number(db.prepare('SELECT count(*) FROM positions WHERE instrument_id = ?').pluck().get(id));
  const prices = Number(db.prepare('SELECT count(*) FROM prices WHERE instrument_id = ?').pluck().get(id));
  return { positions, prices };
}

/** What stored data depends on an asset's quantity and price scales: holdings and prices. */
export function assetInUse(db: Database, id: string): { holdings: number; prices: number } {
  const holdings = Number(db.prepare('SELECT count(*) FROM collateral WHERE asset_id = ?').pluck().get(id));
  const prices = Number(db.prepare('SELECT count(*) FROM asset_prices WHERE asset_id = ?').pluck().get(id));
  return { holdings, prices };
}

export function accountPositionCount(db: Database, id: string): number {
  return Number(db.prepare('SELECT count(*) FROM positions WHERE account_id = ?').pluck().get(id));
}

/** How many isolated positions are held in an instrument. */
export function isolatedPositionsIn(db: Database, id: string): number {
  return Number(db.prepare('SELECT count(*) FROM positions WHERE instrument_id = ? AND isolated_margin IS NOT NULL').pluck().get(id));
}

/** The portfolio options that move with an instrument's scan range (they have none of their own). */
export function optionsOnRangeOf(db: Database, id: string): string[] {
  return db.prepare("SELECT id FROM instruments WHERE underlying_instrument = ? AND margin = 'portfolio' AND scan_range IS NULL ORDER BY id").pluck().all(id) as string[];
}
