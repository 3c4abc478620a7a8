// Where a price came from, for a figure's trace: the row's time and source (a CSV import, the feed, the demo).
import type { Database } from 'better-sqlite3';
import { visible } from './seriesVisibility.ts';

export interface PriceSource {
  at: string;
  source: string;
}

/** The source of the latest mark of `instrument` at or before `asOf` (any time when null), or undefined. */
export function markSource(db: Database, instrument: string, asOf: string | null): PriceSource | undefined {
  const r = db
    .prepare(`SELECT at, source FROM prices WHERE instrument_id = ? AND ${visible()} ${asOf === null ? '' : 'AND at <= ?'} ORDER BY at DESC LIMIT 1`)
    .get(...(asOf === null ? [instrument] : [instrument, asOf])) as PriceSource | undefined;
  return r && { at: r.at, source: r.source };
}

/** The source of the latest price of `asset` at or before `asOf` (any time when null), or undefined. */
export function assetPriceSource(db: Database, asset: string, asOf: string | null): PriceSource | undefined {
  const r = db
    .prepare(`SELECT at, source FROM asset_prices WHERE asset_id = ? AND ${visible()} ${asOf === null ? '' : 'AND at <= ?'} ORDER BY at DESC LIMIT 1`)
    .get(...(asOf === null ? [asset] : [asset, asOf])) as PriceSource | undefined;
  return r && { at: r.at, source: r.source };
}
