// Writes rows in the import formats of docs/csv-formats.md, so that parseCsv(kind, formatCsv(kind, rows)) gives
// the same rows back (exports, fixtures, the demo book as files). Units come from the ref's instruments and assets.
import { csvQuote } from '../../shared/csv.ts';
import { AMOUNT_SCALE, formatAmount, formatRate, formatUnits } from '../../shared/units.ts';
import type { Instrument } from '../engine/model.ts';
import { FUNDING_RATE_SCALE } from '../engine/funding.ts';
import { CSV_COLUMNS } from './parse.ts';
import type { CsvKind, CsvRef, RowsByKind } from './types.ts';
import { type Dec, formatDec, pow10, toDec } from './values.ts';

type Cell = string | number | bigint | null;

/** Formats rows of one kind as a CSV file with every column of the kind in the documented order. */
export function formatCsv<K extends CsvKind>(kind: K, rows: RowsByKind[K], ref: CsvRef): string {
  const spec = CSV_COLUMNS[kind];
  const columns = [...spec.required, ...spec.optional];
  const lines = [columns.join(',')];
  const put = (cells: Record<string, Cell>): void => {
    lines.push(columns.map((c) => quote(cells[c] ?? null)).join(','));
  };
  const all = rows as RowsByKind[CsvKind];
  switch (kind) {
    case 'members':
      for (const m of all as RowsByKind['members']) {
        put({
          id: m.id,
          name: m.name,
          status: m.status,
          default_fund: formatAmount(m.defaultFund),
          assessment_multiple: formatRate(m.assessmentMultiple),
        });
      }
      break;
    case 'accounts':
      for (const a of all as RowsByKind['accounts']) put({ id: a.id, member: a.member, kind: a.kind, mode: a.mode });
      break;
    case 'assets':
      for (const a of all as RowsByKind['assets']) {
        put({ id: a.id, quantity_scale: a.quantityScale, price_scale: a.priceScale, liquidity_class: a.liquidityClass });
      }
      break;
    case 'haircuts':
      for (const t of all as RowsByKind['haircuts']) {
        for (const b of t.haircuts) put({ asset: t.asset, floor: formatAmount(b.floor), haircut: formatRate(b.rate) });
      }
      break;
    case 'instruments':
      for (const i of all as RowsByKind['instruments']) {
        const tick = toDec(i.tick);
        put({
          id: i.id,
          kind: i.kind,
          underlying: i.underlying,
          multiplier: i.multiplier,
          lot: i.lot,
          tick: i.tick,
          margin: i.margin,
          expiry: i.expiry,
          slippage: formatRate(i.slippage),
          price_band: i.priceBand === null ? null : formatRate(i.priceBand),
          option_right: i.option?.right ?? null,
          strike: i.option ? ticksToPrice(i.option.strike, tick) : null,
          underlying_instrument: i.option?.underlyingInstrument ?? null,
          short_option_minimum: i.option ? formatAmount(i.option.shortOptionMinimum) : null,
          scan_range: i.portfolio?.scanRange == null ? null : formatAmount(i.portfolio.scanRange),
          vol_shift: i.portfolio ? formatRate(i.portfolio.volShift) : null,
          im_multiplier: i.portfolio ? formatRate(i.portfolio.imMultiplier) : null,
        });
      }
      break;
    case 'tiers':
      for (const t of all as RowsByKind['tiers']) {
        for (const x of t.tiers) {
          put({ instrument: t.instrument, floor: formatAmount(x.floor), mmr: formatRate(x.mmr), imr: formatRate(x.imr) });
        }
      }
      break;
    case 'impact':
      for (const t of all as RowsByKind['impact']) {
        for (const b of t.impact) put({ instrument: t.instrument, floor: formatAmount(b.floor), rate: formatRate(b.rate) });
      }
      break;
    case 'positions':
      for (const p of all as RowsByKind['positions']) {
        const inst = need(ref.instrument(p.instrument), 'instrument', p.instrument);
        const lot = toDec(inst.lot);
        const price = entryPrice(p.quantity, p.entryValue, inst);
        put({
          account: p.account,
          instrument: p.instrument,
          quantity: formatDec({ n: p.quantity * lot.n, s: lot.s }),
          entry_price: price,
          entry_value: price === null ? formatAmount(p.entryValue) : null,
          isolated_margin: p.isolatedMargin === null ? null : formatAmount(p.isolatedMargin),
        });
      }
      break;
    case 'collateral':
      for (const h of all as RowsByKind['collateral']) {
        const asset = need(ref.asset(h.asset), 'asset', h.asset);
        put({ account: h.account, asset: h.asset, quantity: formatUnits(h.quantity, asset.quantityScale) });
      }
      break;
    case 'prices':
      for (const p of all as RowsByKind['prices']) {
        const inst = need(ref.instrument(p.instrument), 'instrument', p.instrument);
        put({
          instrument: p.instrument,
          at: p.at,
          mark: ticksToPrice(p.mark, toDec(inst.tick)),
          implied_vol: p.impliedVol === null ? null : formatRate(p.impliedVol),
          source: p.source,
        });
      }
      break;
    case 'asset-prices':
      for (const p of all as RowsByKind['asset-prices']) {
        const asset = need(ref.asset(p.asset), 'asset', p.asset);
        put({ asset: p.asset, at: p.at, price: formatUnits(p.price, asset.priceScale), source: p.source });
      }
      break;
    case 'funding-rates':
      for (const f of all as RowsByKind['funding-rates']) put({ instrument: f.instrument, at: f.at, rate: formatUnits(f.rate, FUNDING_RATE_SCALE), source: f.source });
      break;
    case 'deliveries':
      for (const d of all as RowsByKind['deliveries']) put({ instrument: d.instrument, asset: d.asset });
      break;
    case 'limits':
      for (const l of all as RowsByKind['limits']) {
        const inst = l.instrument === '*' ? undefined : ref.instrument(l.instrument);
        put({
          scope: l.scope,
          subject: l.subject,
          instrument: l.instrument,
          max_position: l.maxLots === null ? null : ticksToPrice(l.maxLots, toDec(need(inst, 'instrument', l.instrument).lot)),
          max_notional: l.maxNotional === null ? null : formatAmount(l.maxNotional),
          max_leverage: l.maxLeverage === null ? null : formatRate(l.maxLeverage),
          max_oi_share: l.maxOiShare === null ? null : formatRate(l.maxOiShare),
        });
      }
      break;
    case 'settlement-prices':
      for (const p of all as RowsByKind['settlement-prices']) {
        const inst = need(ref.instrument(p.instrument), 'instrument', p.instrument);
        put({ instrument: p.instrument, price: ticksToPrice(p.price, toDec(inst.tick)), source: p.source });
      }
      break;
    case 'risk-arrays':
      for (const r of all as RowsByKind['risk-arrays']) {
        r.values.forEach((v, k) => put({ instrument: r.instrument, scenario: k + 1, value: formatAmount(v) }));
      }
      break;
    case 'volatilities':
      for (const v of all as RowsByKind['volatilities']) {
        const inst = need(ref.instrument(v.underlyingInstrument), 'instrument', v.underlyingInstrument);
        put({ underlying_instrument: v.underlyingInstrument, strike: v.strike === null ? null : ticksToPrice(v.strike, toDec(inst.tick)), at: v.at, implied_vol: formatRate(v.impliedVol), source: v.source });
      }
      break;
    case 'spreads':
      for (const sp of all as RowsByKind['spreads']) {
        for (const l of sp.legs) put({ spread: sp.id, underlying: l.underlying, ratio: l.ratio, rate: formatRate(sp.rate), priority: sp.priority });
      }
      break;
  }
  return `${lines.join('\n')}\n`;
}

/** A price in ticks as a decimal string. */
export function ticksToPrice(ticks: bigint, tick: Dec): string {
  return formatDec({ n: ticks * tick.n, s: tick.s });
}

/**
 * The entry price as a terminating decimal (up to 18 places), or null when the average price does not terminate
 * (the position is then written with entry_value). price = entryValue / (lots x lot x multiplier), in USD.
 */
export function entryPrice(lots: bigint, entryValue: bigint, inst: Instrument): string | null {
  const lot = toDec(inst.lot);
  const mult = toDec(inst.multiplier);
  const den = lots * lot.n * mult.n * pow10(AMOUNT_SCALE);
  const num = entryValue * pow10(lot.s + mult.s);
  for (let t = 0; t <= 18; t++) {
    const scaled = num * pow10(t);
    if (scaled % den === 0n) return formatDec({ n: scaled / den, s: t });
  }
  return null;
}

function quote(v: Cell): string {
  return v === null ? '' : csvQuote(String(v));
}

function need<T>(x: T | undefined, what: string, id: string): T {
  if (x === undefined) throw new RangeError(`formatCsv: unknown ${what} ${id}`);
  return x;
}
