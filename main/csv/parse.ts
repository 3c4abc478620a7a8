// CSV imports (design §4: "a CSV with a bad row names the file, row, column and why, and imports nothing of that
// file"). parseCsv reads a whole file, converts every row to the model's exact integer units and validates all of
// it before returning; the first problem throws an InputError and nothing of the file is returned.
// Formats, units and rules: docs/csv-formats.md.
import { parse } from 'csv-parse/sync';
import { checkDecodedCsv } from './encoding.ts';
import { InputError } from '../../shared/errors.ts';
import { AMOUNT_SCALE, RATE_ONE, formatAmount, formatRate } from '../../shared/units.ts';
import type {
  Account,
  AccountKind,
  AccountMode,
  Asset,
  Bracket,
  Collateral,
  Instrument,
  InstrumentKind,
  MarginMethod,
  Position,
  PortfolioTerms,
  SpreadDefinition,
  Tier,
} from '../engine/model.ts';
import {
  MEMBER_STATUSES,
  type AssetPriceRow,
  type CsvKind,
  type CsvRef,
  type HaircutTable,
  type Member,
  type PriceRow,
  type Rows,
  type RowsByKind,
  type TierTable,
  type ImpactTable,
  type FundingRateRow,
  type SettlementPriceRow,
  type LimitRow,
  type DeliveryRow,
  type RiskArrayRow,
  type VolatilityRow,
} from './types.ts';
import { FUNDING_RATE_SCALE } from '../engine/funding.ts';
import { rateProblem, type BoundedRate } from '../input/rates.ts';
import { Cells, RANGE_NOTE, decToUnits, divDec, formatDec, inInt64, mulDec, toDec, type Dec } from './values.ts';
import { MAX_LOT_TICK_SCALE, type LotTick } from '../engine/lotValue.ts';

interface Columns {
  required: readonly string[];
  optional: readonly string[];
  /** Groups of optional columns of which the header must hold at least one. */
  anyOf?: readonly (readonly string[])[];
}

/** The columns of each kind, in the order the docs and the examples list them. */
export const CSV_COLUMNS: Record<CsvKind, Columns> = {
  members: { required: ['id', 'name', 'status', 'default_fund'], optional: ['assessment_multiple'] },
  accounts: { required: ['id', 'member', 'kind', 'mode'], optional: [] },
  assets: { required: ['id', 'quantity_scale', 'price_scale', 'liquidity_class'], optional: [] },
  haircuts: { required: ['asset', 'floor', 'haircut'], optional: [] },
  instruments: {
    required: ['id', 'kind', 'underlying', 'multiplier', 'lot', 'tick'],
    optional: [
      'margin',
      'expiry',
      'slippage',
      'price_band',
      'option_right',
      'strike',
      'underlying_instrument',
      'short_option_minimum',
      'scan_range',
      'vol_shift',
      'im_multiplier',
    ],
  },
  tiers: { required: ['instrument', 'floor', 'mmr', 'imr'], optional: [] },
  impact: { required: ['instrument', 'floor', 'rate'], optional: [] },
  positions: {
    required: ['account', 'instrument', 'quantity'],
    optional: ['entry_price', 'entry_value', 'isolated_margin'],
    anyOf: [['entry_price', 'entry_value']],
  },
  collateral: { required: ['account', 'asset', 'quantity'], optional: [] },
  prices: { required: ['instrument', 'at', 'mark'], optional: ['implied_vol', 'source'] },
  'asset-prices': { required: ['asset', 'at', 'price'], optional: ['source'] },
  'funding-rates': { required: ['instrument', 'at', 'rate'], optional: ['source'] },
  'settlement-prices': { required: ['instrument', 'price'], optional: ['source'] },
  deliveries: { required: ['instrument', 'asset'], optional: [] },
  limits: { required: ['scope', 'subject', 'instrument'], optional: ['max_position', 'max_notional', 'max_leverage', 'max_oi_share'] },
  'risk-arrays': { required: ['instrument', 'scenario', 'value'], optional: [] },
  spreads: { required: ['spread', 'underlying', 'ratio', 'rate', 'priority'], optional: [] },
  volatilities: { required: ['underlying_instrument', 'at', 'implied_vol'], optional: ['strike', 'source'] },
};

/** Largest quantity or price scale an asset may declare. */
export const MAX_ASSET_SCALE = 18;

/**
 * Parses and validates one CSV file of the given kind. Throws InputError({ file, row, column }) on the first
 * problem (row 0 is the header, data rows count from 1); on success every row is returned in model units.
 */
export function parseCsv<K extends CsvKind>(kind: K, fileName: string, text: string, ref: CsvRef): Rows<K> {
  checkDecodedCsv(text, fileName);
  const records = readRecords(fileName, text);
  const header = checkHeader(kind, fileName, records[0]);
  const out: unknown[] = [];
  const rowOf = makeRowParser(kind, fileName, ref, out);
  for (let i = 1; i < records.length; i++) {
    const record = records[i] as string[];
    if (record.length !== header.length) {
      const column = record.length < header.length ? header[record.length] : undefined;
      throw new InputError(
        `the row has ${record.length} fields but the header has ${header.length}` +
          (column ? ` (no value for "${column}" onwards)` : ' (extra fields after the last column)'),
        { file: fileName, row: i, ...(column ? { column } : {}) },
      );
    }
    const values = new Map<string, string>();
    header.forEach((h, j) => values.set(h, record[j] ?? ''));
    rowOf(new Cells(fileName, i, values));
  }
  checkWhole(kind, fileName, out);
  return { kind, file: fileName, rows: out as RowsByKind[K] } as unknown as Rows<K>;
}

/** What only the whole file can show: every risk array complete, every spread with two legs or more. */
function checkWhole(kind: CsvKind, file: string, out: unknown[]): void {
  if (kind === 'risk-arrays') {
    for (const r of out as (RiskArrayRow & { firstRow: number })[]) {
      const missing = r.values.flatMap((v, s) => (v === MISSING ? [s + 1] : []));
      if (missing.length > 0) {
        throw new InputError(`the risk array of ${r.instrument} has no value for scenario ${missing.join(', ')}: give all 16`, { file, row: r.firstRow, column: 'scenario' });
      }
      delete (r as { firstRow?: number }).firstRow;
    }
  }
  if (kind === 'spreads') {
    for (const sp of out as (SpreadDefinition & { firstRow?: number })[]) {
      if (sp.legs.length < 2) throw new InputError(`spread ${sp.id} has one leg: a spread needs two or more underlyings`, { file, row: sp.firstRow!, column: 'underlying' });
      delete sp.firstRow;
    }
  }
}

/** A scenario not given yet (values are checked complete at the end of the file). */
const MISSING = -(2n ** 64n);

function readRecords(file: string, text: string): string[][] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
  } catch (e) {
    const err = e as { code?: string; message?: string; records?: number };
    const row = typeof err.records === 'number' ? err.records : undefined;
    throw new InputError(`the file is not well-formed CSV (${err.message ?? String(e)})`, {
      file,
      ...(row !== undefined ? { row } : {}),
    });
  }
  if (records.length === 0) throw new InputError('the file is empty: a header row is required', { file, row: 0 });
  return records;
}

function checkHeader(kind: CsvKind, file: string, first: string[] | undefined): string[] {
  const spec = CSV_COLUMNS[kind];
  const all = [...spec.required, ...spec.optional];
  const listed = `columns of ${kind}: ${spec.required.join(', ')}` +
    (spec.optional.length ? `; optional: ${spec.optional.join(', ')}` : '');
  const header = (first ?? []).map((h) => h.trim());
  const seen = new Set<string>();
  for (const h of header) {
    if (h === '') throw new InputError(`a header cell is empty (${listed})`, { file, row: 0 });
    if (!all.includes(h)) throw new InputError(`unknown column "${h}" (${listed})`, { file, row: 0, column: h });
    if (seen.has(h)) throw new InputError(`column "${h}" appears twice in the header`, { file, row: 0, column: h });
    seen.add(h);
  }
  for (const r of spec.required) {
    if (!seen.has(r)) throw new InputError(`required column "${r}" is missing (${listed})`, { file, row: 0, column: r });
  }
  for (const group of spec.anyOf ?? []) {
    if (!group.some((g) => seen.has(g))) {
      throw new InputError(`a column ${group.join(' or ')} is required (${listed})`, { file, row: 0, column: group[0] as string });
    }
  }
  return header;
}

/** Refuses a second row with the same key, naming the first one. */
class Keys {
  private readonly seen = new Map<string, number>();
  check(c: Cells, column: string, key: string, what: string): void {
    const first = this.seen.get(key);
    if (first !== undefined) c.fail(column, `duplicate ${what} (first given at row ${first})`);
    this.seen.set(key, c.row);
  }
}

function makeRowParser(kind: CsvKind, file: string, ref: CsvRef, out: unknown[]): (c: Cells) => void {
  const keys = new Keys();
  switch (kind) {
    case 'members':
      return (c: Cells) => {
        const id = c.id('id');
        keys.check(c, 'id', id, `member id ${id}`);
        const m: Member = {
          id,
          name: c.text('name'),
          status: c.oneOf('status', MEMBER_STATUSES),
          defaultFund: c.amount('default_fund', 'nonNegative'),
          assessmentMultiple: c.optRate('assessment_multiple', 'nonNegative') ?? 2n * RATE_ONE,
        };
        out.push(m);
      };

    case 'accounts':
      return (c: Cells) => {
        const id = c.id('id');
        keys.check(c, 'id', id, `account id ${id}`);
        const member = c.id('member');
        if (!ref.member(member)) c.fail('member', `member "${member}" does not exist`);
        const a: Account = {
          id,
          member,
          kind: c.oneOf<AccountKind>('kind', ['house', 'client']),
          mode: c.oneOf<AccountMode>('mode', ['cross', 'isolated']),
        };
        out.push(a);
      };

    case 'assets':
      return (c: Cells) => {
        const id = c.id('id');
        keys.check(c, 'id', id, `asset id ${id}`);
        const lc = c.text('liquidity_class');
        if (!/^[a-z][a-z0-9_-]*$/.test(lc)) {
          c.fail('liquidity_class', `"${lc}" is not a valid liquidity class: use lower-case letters, digits, _ and -`);
        }
        const a: Asset = {
          id,
          quantityScale: c.int('quantity_scale', 0, MAX_ASSET_SCALE),
          priceScale: c.int('price_scale', 0, MAX_ASSET_SCALE),
          haircuts: [],
          liquidityClass: lc,
        };
        out.push(a);
      };

    case 'haircuts': {
      const tables = new Map<string, Bracket[]>();
      return (c: Cells) => {
        const asset = c.id('asset');
        if (!ref.asset(asset)) c.fail('asset', `asset "${asset}" does not exist`);
        const floor = c.amount('floor', 'nonNegative');
        keys.check(c, 'floor', `${asset}\u0000${floor}`, `haircut bracket for asset ${asset} at floor ${formatAmount(floor)}`);
        const rate = c.rate('haircut', 'nonNegative');
        bounded(c, 'haircut', 'haircut', rate);
        let t = tables.get(asset);
        if (!t) {
          t = [];
          tables.set(asset, t);
          out.push({ asset, haircuts: t } satisfies HaircutTable);
        }
        const prev = t[t.length - 1];
        if (!prev && floor !== 0n) c.fail('floor', `the first bracket of asset ${asset} must have floor 0`);
        if (prev && floor <= prev.floor) {
          c.fail('floor', `floor ${c.optText('floor')} is not above the previous bracket's floor ${formatAmount(prev.floor)}: floors must be strictly increasing`);
        }
        if (prev && rate < prev.rate) {
          c.fail('haircut', `haircut ${c.optText('haircut')} is below the previous bracket's ${formatRate(prev.rate)}: haircuts must not decrease as holdings grow`);
        }
        t.push({ floor, rate });
      };
    }

    case 'instruments': {
      const here = new Map<string, Instrument>();
      return (c: Cells) => {
        const inst = instrumentRow(c, (id) => here.get(id) ?? ref.instrument(id));
        keys.check(c, 'id', inst.id, `instrument id ${inst.id}`);
        here.set(inst.id, inst);
        out.push(inst);
      };
    }

    case 'tiers': {
      const tables = new Map<string, Tier[]>();
      return (c: Cells) => {
        const id = c.id('instrument');
        const inst = ref.instrument(id);
        if (!inst) c.fail('instrument', `instrument "${id}" does not exist`);
        if (inst.margin !== 'tiered') {
          c.fail('instrument', `instrument ${id} uses ${inst.margin} margin: tiers apply only to tiered instruments`);
        }
        const floor = c.amount('floor', 'nonNegative');
        keys.check(c, 'floor', `${id}\u0000${floor}`, `tier for instrument ${id} at floor ${formatAmount(floor)}`);
        const mmr = c.rate('mmr', 'positive');
        const imr = c.rate('imr', 'positive');
        bounded(c, 'imr', 'imr', imr);
        if (mmr > imr) c.fail('mmr', `mmr ${c.optText('mmr')} is above imr ${c.optText('imr')}: maintenance must not exceed initial`);
        let t = tables.get(id);
        if (!t) {
          t = [];
          tables.set(id, t);
          out.push({ instrument: id, tiers: t } satisfies TierTable);
        }
        const prev = t[t.length - 1];
        if (!prev && floor !== 0n) c.fail('floor', `the first tier of instrument ${id} must have floor 0`);
        if (prev && floor <= prev.floor) {
          c.fail('floor', `floor ${c.optText('floor')} is not above the previous tier's floor ${formatAmount(prev.floor)}: floors must be strictly increasing`);
        }
        if (prev && mmr < prev.mmr) c.fail('mmr', `mmr ${c.optText('mmr')} is below the previous tier's ${formatRate(prev.mmr)}: rates must not decrease`);
        if (prev && imr < prev.imr) c.fail('imr', `imr ${c.optText('imr')} is below the previous tier's ${formatRate(prev.imr)}: rates must not decrease`);
        t.push({ floor, mmr, imr });
      };
    }

    case 'impact': {
      const tables = new Map<string, Bracket[]>();
      return (c: Cells) => {
        const id = c.id('instrument');
        if (!ref.instrument(id)) c.fail('instrument', `instrument "${id}" does not exist`);
        const floor = c.amount('floor', 'nonNegative');
        keys.check(c, 'floor', `${id}\u0000${floor}`, `impact bracket for instrument ${id} at floor ${formatAmount(floor)}`);
        const rate = c.rate('rate', 'nonNegative');
        bounded(c, 'rate', 'impact', rate);
        let t = tables.get(id);
        if (!t) {
          t = [];
          tables.set(id, t);
          out.push({ instrument: id, impact: t } satisfies ImpactTable);
        }
        const prev = t[t.length - 1];
        if (!prev && floor !== 0n) c.fail('floor', `the first impact bracket of instrument ${id} must have floor 0`);
        if (prev && floor <= prev.floor) {
          c.fail('floor', `floor ${c.optText('floor')} is not above the previous bracket's floor ${formatAmount(prev.floor)}: floors must be strictly increasing`);
        }
        if (prev && rate < prev.rate) {
          c.fail('rate', `rate ${c.optText('rate')} is below the previous bracket's ${formatRate(prev.rate)}: a larger close must not move the price less`);
        }
        t.push({ floor, rate });
      };
    }

    case 'positions':
      return (c: Cells) => {
        const accountId = c.id('account');
        const account = ref.account(accountId);
        if (!account) c.fail('account', `account "${accountId}" does not exist`);
        const instId = c.id('instrument');
        const inst = ref.instrument(instId);
        if (!inst) c.fail('instrument', `instrument "${instId}" does not exist`);
        keys.check(c, 'instrument', `${accountId}\u0000${instId}`, `position for account ${accountId} and instrument ${instId}`);

        const qty = c.dec('quantity');
        if (qty.n === 0n) c.fail('quantity', 'a position quantity must not be 0');
        const lot = toDec(inst.lot);
        const lots = divDec(qty, lot);
        if (lots === null) {
          c.fail('quantity', `${formatDec(qty)} is not a whole number of lots: instrument ${instId} trades in lots of ${inst.lot}`);
        }
        if (!inInt64(lots)) c.fail('quantity', `${formatDec(qty)} lots are ${RANGE_NOTE}`);

        const hasPrice = c.optText('entry_price') !== null;
        const hasValue = c.optText('entry_value') !== null;
        if (hasPrice === hasValue) {
          c.fail(hasPrice ? 'entry_value' : 'entry_price', 'give either entry_price or entry_value for a position (exactly one)');
        }
        let entryValue: bigint;
        if (hasPrice) {
          const price = c.dec('entry_price', inst.kind === 'option' ? 'nonNegative' : 'positive');
          // entryValue = lots x price x lot x multiplier (USD) = quantity x price x multiplier, in micro-USD exactly.
          const value = mulDec(qty, price, toDec(inst.multiplier));
          const ev = decToUnits(value, AMOUNT_SCALE);
          if (ev === null) {
            c.fail(
              'entry_price',
              `entry value quantity x entry_price x multiplier = ${formatDec(value)} USD is not a whole number of micro-USD (0.000001)`,
            );
          }
          if (!inInt64(ev)) c.fail('entry_price', `entry value ${formatDec(value)} USD is ${RANGE_NOTE}`);
          entryValue = ev;
        } else {
          entryValue = c.amount('entry_value');
          const wrongSign = qty.n > 0n ? entryValue < 0n : entryValue > 0n;
          if (wrongSign || (entryValue === 0n && inst.kind !== 'option')) {
            c.fail('entry_value', `entry_value must have the sign of the quantity (${qty.n > 0n ? 'long: positive' : 'short: negative'})`);
          }
        }

        let isolatedMargin: bigint | null = null;
        // A portfolio position is margined with its combined commodity, which lives in the cross part.
        if (account.mode === 'isolated' && inst.margin === 'portfolio') {
          c.fail('instrument', `${instId} is portfolio-margined (scanned with its commodity, in the cross part): account ${accountId} is in isolated mode`);
        }
        if (account.mode === 'isolated') {
          if (c.optText('isolated_margin') === null) {
            c.fail('isolated_margin', `account ${accountId} is in isolated mode: each of its positions needs an isolated_margin`);
          }
          isolatedMargin = c.amount('isolated_margin', 'nonNegative');
        } else if (c.optText('isolated_margin') !== null) {
          c.fail('isolated_margin', `account ${accountId} is in cross mode: isolated_margin must be empty`);
        }
        const p: Position = { account: accountId, instrument: instId, quantity: lots, entryValue, isolatedMargin };
        out.push(p);
      };

    case 'collateral':
      return (c: Cells) => {
        const accountId = c.id('account');
        if (!ref.account(accountId)) c.fail('account', `account "${accountId}" does not exist`);
        const assetId = c.id('asset');
        const asset = ref.asset(assetId);
        if (!asset) c.fail('asset', `asset "${assetId}" does not exist`);
        keys.check(c, 'asset', `${accountId}\u0000${assetId}`, `holding for account ${accountId} and asset ${assetId}`);
        const quantity = c.units(
          'quantity',
          asset.quantityScale,
          `asset ${assetId} quantities are exact to ${asset.quantityScale} decimal places (its quantity_scale)`,
        );
        if (quantity < 0n && asset.liquidityClass !== 'cash') {
          c.fail(
            'quantity',
            `a negative quantity (a debit) is allowed only for cash assets; ${assetId} has liquidity class ${asset.liquidityClass}`,
          );
        }
        const h: Collateral = { account: accountId, asset: assetId, quantity };
        out.push(h);
      };

    case 'prices':
      return (c: Cells) => {
        const id = c.id('instrument');
        const inst = ref.instrument(id);
        if (!inst) c.fail('instrument', `instrument "${id}" does not exist`);
        const at = c.time('at');
        keys.check(c, 'at', `${id}\u0000${at}`, `price for instrument ${id} at ${at}`);
        const mark = c.dec('mark', inst.kind === 'option' ? 'nonNegative' : 'positive');
        const ticks = divDec(mark, toDec(inst.tick));
        if (ticks === null) c.fail('mark', `mark ${formatDec(mark)} is not a multiple of instrument ${id}'s tick ${inst.tick}`);
        if (!inInt64(ticks)) c.fail('mark', `mark ${formatDec(mark)} in ticks is ${RANGE_NOTE}`);
        const row: PriceRow = {
          instrument: id,
          at,
          mark: ticks,
          impliedVol: c.optRate('implied_vol', 'nonNegative'),
          source: c.optText('source'),
        };
        out.push(row);
      };

    case 'risk-arrays': {
      const arrays = new Map<string, RiskArrayRow>();
      return (c: Cells) => {
        const id = c.id('instrument');
        const inst = ref.instrument(id);
        if (!inst) c.fail('instrument', `instrument "${id}" does not exist`);
        if (inst.margin !== 'portfolio') c.fail('instrument', `instrument ${id} uses ${inst.margin} margin: a risk array applies only to portfolio instruments`);
        const scenario = c.int('scenario', 1, 16);
        keys.check(c, 'scenario', `${id}\u0000${scenario}`, `scenario ${scenario} of instrument ${id}`);
        let r = arrays.get(id);
        if (!r) {
          r = { instrument: id, values: new Array<bigint>(16).fill(MISSING) };
          (r as RiskArrayRow & { firstRow: number }).firstRow = c.row;
          arrays.set(id, r);
          out.push(r);
        }
        r.values[scenario - 1] = c.amount('value');
      };
    }

    case 'spreads': {
      const spreads = new Map<string, SpreadDefinition>();
      return (c: Cells) => {
        const id = c.id('spread');
        const underlying = c.id('underlying');
        keys.check(c, 'underlying', `${id}\u0000${underlying}`, `leg ${underlying} of spread ${id}`);
        const ratio = c.dec('ratio', 'positive');
        const rate = c.rate('rate', 'nonNegative');
        if (rate > RATE_ONE) c.fail('rate', `credit rate ${c.optText('rate')} is above 1 (100%)`);
        const priority = c.int('priority', 0, 1_000_000);
        let sp = spreads.get(id);
        if (!sp) {
          sp = { id, legs: [], rate, priority };
          (sp as SpreadDefinition & { firstRow: number }).firstRow = c.row;
          spreads.set(id, sp);
          out.push(sp);
        } else {
          if (sp.rate !== rate) c.fail('rate', `spread ${id} has rate ${formatRate(sp.rate)} on its first row: one rate per spread`);
          if (sp.priority !== priority) c.fail('priority', `spread ${id} has priority ${sp.priority} on its first row: one priority per spread`);
        }
        sp.legs.push({ underlying, ratio: formatDec(ratio) });
      };
    }

    case 'volatilities':
      return (c: Cells) => {
        const id = c.id('underlying_instrument');
        const inst = ref.instrument(id);
        if (!inst) c.fail('underlying_instrument', `instrument "${id}" does not exist`);
        if (inst.kind === 'option') c.fail('underlying_instrument', `instrument ${id} is an option: volatilities are quoted on the instrument options are written on`);
        const at = c.time('at');
        let strike: bigint | null = null;
        if (c.optText('strike') !== null) {
          const k = c.dec('strike', 'positive');
          const ticks = divDec(k, toDec(inst.tick));
          if (ticks === null) c.fail('strike', `strike ${formatDec(k)} is not a multiple of instrument ${id}'s tick ${inst.tick}`);
          if (!inInt64(ticks)) c.fail('strike', `strike ${formatDec(k)} in ticks is ${RANGE_NOTE}`);
          strike = ticks;
        }
        keys.check(c, 'at', `${id}\u0000${strike ?? ''}\u0000${at}`, `volatility of ${id} ${strike === null ? 'at every strike' : `at strike ${c.optText('strike')}`} at ${at}`);
        const row: VolatilityRow = { underlyingInstrument: id, strike, at, impliedVol: c.rate('implied_vol', 'nonNegative'), source: c.optText('source') };
        out.push(row);
      };

    case 'asset-prices':
      return (c: Cells) => {
        const id = c.id('asset');
        const asset = ref.asset(id);
        if (!asset) c.fail('asset', `asset "${id}" does not exist`);
        const at = c.time('at');
        keys.check(c, 'at', `${id}\u0000${at}`, `price for asset ${id} at ${at}`);
        const row: AssetPriceRow = {
          asset: id,
          at,
          price: c.units(
            'price',
            asset.priceScale,
            `asset ${id} prices are exact to ${asset.priceScale} decimal places (its price_scale)`,
            'positive', // an asset worth nothing is not collateral, and the settlement asset's price divides
          ),
          source: c.optText('source'),
        };
        out.push(row);
      };

    case 'funding-rates':
      return (c: Cells) => {
        const id = c.id('instrument');
        const inst = ref.instrument(id);
        if (!inst) c.fail('instrument', `instrument "${id}" does not exist`);
        if (inst.kind !== 'perpetual') c.fail('instrument', `instrument ${id} is a ${inst.kind}: only perpetuals pay funding`);
        const at = c.time('at');
        keys.check(c, 'at', `${id}\u0000${at}`, `funding rate for instrument ${id} at ${at}`);
        const rate = c.units('rate', FUNDING_RATE_SCALE, `funding rates are exact to ${FUNDING_RATE_SCALE} decimal places`);
        if (rate <= -(10n ** BigInt(FUNDING_RATE_SCALE)) || rate >= 10n ** BigInt(FUNDING_RATE_SCALE)) {
          c.fail('rate', `a funding rate is a share of the position's value per interval: it must lie between -1 and 1`);
        }
        const source = c.optText('source');
        // "feed <time>" marks a rate the live feed stored (funding.tick): a file saying so would misstate where it came from.
        if (source !== null && /^feed \d/.test(source)) c.fail('source', `"feed" followed by a time is the live feed's mark of a rate: name the file's source otherwise`);
        const row: FundingRateRow = { instrument: id, at, rate, source };
        out.push(row);
      };

    case 'settlement-prices':
      return (c: Cells) => {
        const id = c.id('instrument');
        const inst = ref.instrument(id);
        if (!inst) c.fail('instrument', `instrument "${id}" does not exist`);
        // An option's row is its underlying's final settlement price, in the option's price units.
        if (inst.kind === 'perpetual') c.fail('instrument', `instrument ${id} is a perpetual: final settlement prices are for futures and options`);
        keys.check(c, 'instrument', id, `settlement price for instrument ${id}`);
        const price = c.dec('price', 'positive');
        const ticks = divDec(price, toDec(inst.tick));
        if (ticks === null) c.fail('price', `price ${formatDec(price)} is not a multiple of instrument ${id}'s tick ${inst.tick}`);
        if (!inInt64(ticks)) c.fail('price', `price ${formatDec(price)} in ticks is ${RANGE_NOTE}`);
        const row: SettlementPriceRow = { instrument: id, price: ticks, source: c.optText('source') };
        out.push(row);
      };

    case 'deliveries':
      return (c: Cells) => {
        const id = c.id('instrument');
        const inst = ref.instrument(id);
        if (!inst) c.fail('instrument', `instrument "${id}" does not exist`);
        if (inst.kind !== 'future') c.fail('instrument', `instrument ${id} is a ${inst.kind}: only futures are delivered`);
        keys.check(c, 'instrument', id, `delivery of instrument ${id}`);
        const assetId = c.id('asset');
        const asset = ref.asset(assetId);
        if (!asset) c.fail('asset', `asset "${assetId}" does not exist`);
        // One lot delivers lot x multiplier units of the asset: it must be a whole number of the asset's units.
        const perLot = mulDec(toDec(inst.lot), toDec(inst.multiplier));
        if (decToUnits(perLot, asset.quantityScale) === null) {
          c.fail('asset', `one lot of ${id} delivers ${formatDec(perLot)} ${assetId}, finer than the asset's ${asset.quantityScale} decimal places`);
        }
        const row: DeliveryRow = { instrument: id, asset: assetId };
        out.push(row);
      };

    case 'limits':
      return (c: Cells) => {
        const scope = c.oneOf('scope', ['instrument', 'account', 'member'] as const);
        const subject = c.text('subject');
        if (scope === 'instrument' && subject !== '*') c.fail('subject', `an instrument's limit applies to every account holding it: its subject is *, not ${subject}`);
        if (scope === 'account' && !ref.account(subject)) c.fail('subject', `account "${subject}" does not exist`);
        if (scope === 'member' && !ref.member(subject)) c.fail('subject', `member "${subject}" does not exist`);
        const instrument = c.text('instrument');
        const inst = instrument === '*' ? undefined : ref.instrument(instrument);
        if (instrument !== '*' && !inst) c.fail('instrument', `instrument "${instrument}" does not exist`);
        if (scope === 'instrument' && instrument === '*') c.fail('instrument', 'an instrument limit names its instrument');
        keys.check(c, 'instrument', `${scope}\u0000${subject}\u0000${instrument}`, `limit for ${scope} ${subject} on ${instrument}`);
        const position = c.optDec('max_position', 'positive');
        let maxLots: bigint | null = null;
        if (position !== null) {
          if (!inst) c.fail('max_position', 'a maximum position in quantity needs a named instrument (lots differ between instruments): use max_notional for every instrument');
          const lots = divDec(position, toDec(inst.lot));
          if (lots === null) c.fail('max_position', `${formatDec(position)} is not a whole number of instrument ${inst.id}'s lots of ${inst.lot}`);
          if (!inInt64(lots)) c.fail('max_position', `${formatDec(position)} in lots is ${RANGE_NOTE}`);
          maxLots = lots;
        }
        const maxLeverage = c.optUnits('max_leverage', 6, 'leverage is exact to 6 decimal places', 'positive');
        const maxOiShare = c.optRate('max_oi_share', 'positive');
        if (maxOiShare !== null && maxOiShare > RATE_ONE) c.fail('max_oi_share', `a share of open interest is at most 1, not ${formatRate(maxOiShare)}`);
        const row: LimitRow = { scope, subject, instrument, maxLots, maxNotional: c.optAmount('max_notional', 'positive'), maxLeverage, maxOiShare };
        out.push(row);
      };
  }
}

function bounded(c: Cells, column: string, kind: BoundedRate, ppm: bigint): void {
  const why = rateProblem(kind, ppm);
  if (why) c.fail(column, why);
}

function instrumentRow(c: Cells, lookup: (id: string) => Instrument | undefined): Instrument {
  const id = c.id('id');
  const kind = c.oneOf<InstrumentKind>('kind', ['future', 'perpetual', 'option']);
  const underlying = c.id('underlying');
  const multiplier = c.dec('multiplier', 'positive');
  const lot = c.dec('lot', 'positive');
  const tick = c.dec('tick', 'positive');
  const ltv = lotTickOf(mulDec(lot, tick, multiplier));
  if (ltv === null) {
    c.fail(
      'tick',
      `lot x tick x multiplier = ${formatDec(lot)} x ${formatDec(tick)} x ${formatDec(multiplier)} = ` +
        `${formatDec(mulDec(lot, tick, multiplier))} USD is finer than 10^-${AMOUNT_SCALE + MAX_LOT_TICK_SCALE} USD: ` +
        'one tick on one lot must be worth at least that',
    );
  }
  if (!inInt64(ltv.lotTickValue)) c.fail('tick', `lot x tick x multiplier is ${RANGE_NOTE}`);

  const margin = c.oneOf<MarginMethod>('margin', ['tiered', 'portfolio'], 'tiered');
  const expiry = c.optTime('expiry');
  if (kind === 'perpetual' && expiry !== null) c.fail('expiry', 'a perpetual has no expiry: leave it empty');
  if (kind !== 'perpetual' && expiry === null) c.fail('expiry', `a ${kind} needs an expiry`);
  const slippage = c.optRate('slippage', 'nonNegative') ?? 0n;
  bounded(c, 'slippage', 'slippage', slippage);
  const priceBand = c.optRate('price_band', 'positive');
  if (priceBand !== null) bounded(c, 'price_band', 'band', priceBand);

  const optionCols = ['option_right', 'strike', 'underlying_instrument', 'short_option_minimum'];
  let option: Instrument['option'] = null;
  if (kind === 'option') {
    const right = c.oneOf('option_right', ['call', 'put'] as const);
    const strikeDec = c.dec('strike', 'positive');
    const strike = divDec(strikeDec, tick);
    if (strike === null) c.fail('strike', `strike ${formatDec(strikeDec)} is not a multiple of the tick ${formatDec(tick)}`);
    if (!inInt64(strike)) c.fail('strike', `strike in ticks is ${RANGE_NOTE}`);
    const underlyingInstrument = c.optId('underlying_instrument');
    if (underlyingInstrument !== null) {
      const u = lookup(underlyingInstrument);
      if (!u) c.fail('underlying_instrument', `instrument "${underlyingInstrument}" does not exist`);
      if (u.kind === 'option') c.fail('underlying_instrument', `${underlyingInstrument} is an option: an option's underlying must be a future or perpetual`);
      if (u.underlying !== underlying) {
        c.fail('underlying_instrument', `${underlyingInstrument} is on ${u.underlying}, not on this option's underlying ${underlying}`);
      }
    }
    const shortOptionMinimum = c.optAmount('short_option_minimum', 'nonNegative') ?? 0n;
    option = { right, strike, underlyingInstrument, shortOptionMinimum };
  } else {
    for (const col of optionCols) {
      if (c.optText(col) !== null) c.fail(col, `${col} applies only to options; this instrument is a ${kind}`);
    }
  }
  const portfolio = portfolioTerms(c, kind, margin, option, lookup);
  return {
    id,
    kind,
    underlying,
    multiplier: formatDec(multiplier),
    lot: formatDec(lot),
    tick: formatDec(tick),
    ...ltv,
    margin,
    tiers: [],
    slippage,
    expiry,
    option,
    priceBand,
    ...(portfolio ? { portfolio } : {}),
  };
}

const PORTFOLIO_COLUMNS = ['scan_range', 'vol_shift', 'im_multiplier'] as const;

/**
 * The portfolio (SPAN-style) parameters of an instrument row, methodology §4. A future needs its scan range; an
 * option needs its underlying instrument (Black-76 moves that future's mark) and takes its own scan range or, when
 * that instrument is portfolio-margined, its range. The future itself may stay tiered: its positions are then
 * margined by tiers, the option's with the options of its commodity. A tiered instrument takes none of these columns.
 */
function portfolioTerms(
  c: Cells,
  kind: InstrumentKind,
  margin: MarginMethod,
  option: Instrument['option'],
  lookup: (id: string) => Instrument | undefined,
): PortfolioTerms | undefined {
  if (margin === 'tiered') {
    for (const col of PORTFOLIO_COLUMNS) {
      if (c.optText(col) !== null) c.fail(col, `${col} applies only to portfolio-margined instruments; this one is tiered`);
    }
    return undefined;
  }
  if (kind === 'perpetual') c.fail('margin', 'a perpetual has no expiry to scan to: margin it "tiered"');
  const scanRange = c.optAmount('scan_range', 'positive');
  if (option) {
    const u = option.underlyingInstrument === null ? undefined : lookup(option.underlyingInstrument);
    if (!u) c.fail('underlying_instrument', 'a portfolio-margined option needs its underlying instrument (Black-76 prices it on that future)');
    if (scanRange === null && u.portfolio?.scanRange == null) {
      c.fail('scan_range', `give the option its scan range: its underlying instrument ${u.id} has none to lend (it is ${u.margin === 'portfolio' ? 'scanned by an imported array' : 'tiered'})`);
    }
  } else if (scanRange === null) {
    c.fail('scan_range', 'a portfolio-margined future needs its scan range (USD per contract)');
  }
  const volShift = c.optRate('vol_shift', 'nonNegative') ?? 0n;
  if (volShift > RATE_ONE) c.fail('vol_shift', `a volatility shift of ${c.optText('vol_shift')} is above 1 (100 volatility points)`);
  const imMultiplier = c.optRate('im_multiplier', 'positive') ?? 1_100_000n;
  if (imMultiplier < RATE_ONE) c.fail('im_multiplier', `an IM multiplier of ${c.optText('im_multiplier')} is below 1: initial margin must not be below maintenance`);
  return { scanRange, volShift, imMultiplier, riskArray: null };
}


/**
 * K = lot x tick x multiplier x 1e6 micro-USD, exact, as lotTickValue x 10^-lotTickScale: scale 0 when K is a whole
 * number of micro-USD (an ordinary instrument), else the fewest places that hold it (a fine instrument, lotValue.ts).
 * Null when not positive or finer than 10^-MAX_LOT_TICK_SCALE micro-USD.
 */
export function lotTickValue(lot: string, tick: string, multiplier: string): LotTick | null {
  return lotTickOf(mulDec(toDec(lot), toDec(tick), toDec(multiplier)));
}

function lotTickOf(usd: Dec): LotTick | null {
  const whole = decToUnits(usd, AMOUNT_SCALE);
  if (whole !== null) return whole > 0n ? { lotTickValue: whole, lotTickScale: 0 } : null;
  // usd = n / 10^s with s > 6, so K = n x 10^-(s - 6) micro-USD; drop the trailing zeros for the one canonical form.
  let n = usd.n;
  let scale = usd.s - AMOUNT_SCALE;
  while (n !== 0n && n % 10n === 0n) {
    n /= 10n;
    scale--;
  }
  return n > 0n && scale <= MAX_LOT_TICK_SCALE ? { lotTickValue: n, lotTickScale: scale } : null;
}
