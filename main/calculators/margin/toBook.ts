// Turns a what-if input into an exact Book: scales inferred from the strings, every conversion exact or refused
// with the field named.
import { Decimal } from 'decimal.js';
import type { Book, Instrument, Asset, Account, Position, Collateral, Policy, Tier, Bracket, PortfolioTerms, SpreadDefinition } from '../../engine/model.ts';
import { DEFAULT_POLICY } from '../../engine/model.ts';
import { parseUnits, parseAmount, parseRate, decimalPlaces, checkRange } from '../../../shared/units.ts';
import { atField, refuseRepeats, SharedScale } from '../../input/fields.ts';
import { boundedRate, type BoundedRate } from '../../input/rates.ts';
import { InputError } from '../../../shared/errors.ts';
import { parseInstant } from '../../../shared/time.ts';
import type { MarginInput } from './schema.ts';
import { black76Price } from '../../engine/black76.ts';
import { validateBrackets } from '../../engine/tierMath.ts';
import { SETTLEMENT_ASSET } from '../../engine/closeMath.ts';
import { lotTickValue } from '../../csv/parse.ts';

const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN });

/** value as an exact integer, or an error saying it is not whole in the given unit. */
function exactInteger(v: Decimal, field: string, unit: string): bigint {
  if (!v.isInteger()) throw new InputError(`${v.toFixed()} is not a whole number of ${unit}`, { field });
  return atField(field, () => checkRange(BigInt(v.toFixed(0)), field));
}

function policyOf(p: MarginInput['policy']): Policy {
  const out: Policy = { ...DEFAULT_POLICY };
  if (!p) return out;
  if (p.callTrigger) out.callTrigger = p.callTrigger;
  if (p.targetHealth !== undefined) out.targetHealth = atField('policy.targetHealth', () => parseRate(p.targetHealth!, 'targetHealth'));
  if (p.liquidationHealth !== undefined) out.liquidationHealth = boundedRate(p.liquidationHealth, 'policy.liquidationHealth', 'health');
  for (const k of ['liquidationFeeRate', 'insuranceFeeRate'] as const) {
    const v = p[k];
    if (v !== undefined) out[k] = boundedRate(v, `policy.${k}`, 'fee');
  }
  if (p.amountScale !== undefined) out.amountScale = p.amountScale;
  if (p.cureMinutes !== undefined) out.cureMinutes = p.cureMinutes;
  return out;
}

/** Floors of a bracket table (tiers, haircuts, impact), each given once: with two rows for one floor, one rate would silently win. */
function floorsOf(rows: readonly { floor: string }[], field: (j: number) => string): bigint[] {
  const floors = rows.map((r, j) => atField(`${field(j)}.floor`, () => parseAmount(r.floor, 'floor')));
  refuseRepeats(rows, (_, j) => String(floors[j]), (j) => `${field(j)}.floor`, (r) => r.floor);
  return floors;
}

/** A haircut or impact schedule: floors from 0, increasing, rates not falling. */
function bracketsOf(rows: readonly { floor: string }[], rateOf: (j: number) => string, f: string, rateName: string, kind: BoundedRate): Bracket[] {
  const floors = floorsOf(rows, (j) => `${f}[${j}]`);
  if (floors[0] !== 0n) throw new InputError('the first bracket must start at 0', { field: `${f}[0].floor` });
  const out = rows.map((_, j) => ({ floor: floors[j]!, rate: boundedRate(rateOf(j), `${f}[${j}].${rateName}`, kind) }));
  const why = validateBrackets(out);
  if (why) throw new InputError(why, { field: f });
  return out;
}

function impactOf(rows: { floor: string; rate: string }[], f: string): Bracket[] {
  return bracketsOf(rows, (j) => rows[j]!.rate, `${f}.impact`, 'rate', 'impact');
}

export function toBook(input: MarginInput): { book: Book; asOf: string } {
  const asOf = input.asOf ?? '1970-01-01T00:00:00.000Z';
  const policy = policyOf(input.policy);
  const accountsIn = input.accounts;

  // Assets: price scale from the price string, quantity scale from the finest holding.
  const assets: Asset[] = [];
  const assetPrices = new Map<string, bigint>();
  const assetList = input.assets ?? [{ id: 'USD', price: '1' }];
  refuseRepeats(assetList, (a) => a.id, (i) => `assets[${i}].id`);
  refuseRepeats(input.instruments, (x) => x.id, (i) => `instruments[${i}].id`);
  refuseRepeats(accountsIn, (a) => a.id, (i) => `accounts[${i}].id`);
  const quantityScales = new Map<string, SharedScale>();
  assetList.forEach((a, i) => {
    // The settlement asset takes realised P&L from a liquidation plan: held at least to the amount scale (cents).
    const holdings = accountsIn.flatMap((acct, j) => {
      const q = acct.collateral?.[a.id];
      return q === undefined ? [] : [[`accounts[${j}].collateral.${a.id}`, q] as const];
    });
    const quantity = new SharedScale(holdings, a.id === SETTLEMENT_ASSET ? policy.amountScale : 0);
    quantityScales.set(a.id, quantity);
    const ps = decimalPlaces(a.price);
    const rows = a.haircuts ?? [{ floor: '0', haircut: '0' }];
    const haircuts = bracketsOf(rows, (j) => rows[j]!.haircut, `assets[${i}].haircuts`, 'haircut', 'haircut');
    assets.push({ id: a.id, quantityScale: quantity.scale, priceScale: ps, haircuts, liquidityClass: '' });
    assetPrices.set(a.id, atField(`assets[${i}].price`, () => parseUnits(a.price, ps, 'price')));
  });
  const assetById = new Map(assets.map((a) => [a.id, a]));

  const instruments: Instrument[] = [];
  const marks = new Map<string, bigint>();
  const instById = new Map<string, MarginInput['instruments'][number]>();
  input.instruments.forEach((x) => instById.set(x.id, x));
  for (const [id, px] of Object.entries(input.prices)) {
    const x = instById.get(id);
    if (!x) throw new InputError(`${id} is not one of the instruments`, { field: `prices.${id}` });
    if (x.kind !== 'option' && !/[1-9]/.test(px)) throw new InputError(`a ${x.kind} priced at ${px}: only an option can be worth nothing`, { field: `prices.${id}` });
  }
  const vols = new Map<string, bigint>();
  input.instruments.forEach((x, i) => {
    const f = `instruments[${i}]`;
    const portfolio = x.margin === 'portfolio' ? portfolioOf(x, f, instById, input.asOf !== undefined) : undefined;
    if (x.volatility !== undefined) vols.set(x.id, atField(`${f}.volatility`, () => parseRate(x.volatility!, 'volatility')));
    if (portfolio && x.tiers) throw new InputError('a portfolio instrument takes no tiers (it is margined by scanning)', { field: `${f}.tiers` });
    if (!portfolio && (!x.tiers || x.tiers.length === 0)) throw new InputError('a tiered instrument needs tiers', { field: `${f}.tiers` });
    const floors = floorsOf(x.tiers ?? [], (j) => `${f}.tiers[${j}]`);
    const tiers: Tier[] = (x.tiers ?? []).map((t, j) => ({
      floor: floors[j]!,
      mmr: boundedRate(t.mmr, `${f}.tiers[${j}].mmr`, 'mmr'),
      imr: boundedRate(t.imr, `${f}.tiers[${j}].imr`, 'imr'),
    }));
    tiers.forEach((t, j) => {
      if (j === 0 && t.floor !== 0n) throw new InputError('the first tier must start at 0', { field: `${f}.tiers[0].floor` });
      if (j > 0 && t.floor <= tiers[j - 1]!.floor) throw new InputError('tier floors must increase', { field: `${f}.tiers[${j}].floor` });
      if (t.mmr > t.imr) throw new InputError('mmr is above imr', { field: `${f}.tiers[${j}]` });
      if (j > 0 && (t.mmr < tiers[j - 1]!.mmr || t.imr < tiers[j - 1]!.imr)) {
        throw new InputError('tier rates must not fall as notional rises', { field: `${f}.tiers[${j}]` });
      }
    });
    // Default tick: the finest step any of its prices is written in, so every given price is on it.
    let d = decimalPlaces(input.prices[x.id] ?? '0');
    for (const a of accountsIn) for (const p of a.positions ?? []) if (p.instrument === x.id) d = Math.max(d, decimalPlaces(p.entryPrice));
    const tick = x.tick ?? (d === 0 ? '1' : `0.${'0'.repeat(d - 1)}1`);
    // The lot-tick value, whole or fine, as the CSV import takes it (one rule: csv/parse.ts).
    const k = lotTickValue(x.lot, tick, x.multiplier);
    if (k === null) {
      throw new InputError(`lot x tick x multiplier (${x.lot} x ${tick} x ${x.multiplier}) is finer than 10^-24 USD`, {
        field: `${f}.tick`,
      });
    }
    let option: Instrument['option'] = null;
    if (x.kind === 'option') {
      if (!x.right || !x.strike) throw new InputError('an option needs right and strike', { field: f });
      const under = x.underlyingInstrument === undefined ? undefined : instById.get(x.underlyingInstrument);
      if (x.underlyingInstrument !== undefined && (!under || under.kind === 'option')) {
        throw new InputError(`${x.underlyingInstrument} is not a future or perpetual of the instruments`, { field: `${f}.underlyingInstrument` });
      }
      option = {
        right: x.right,
        strike: exactInteger(new D(x.strike).div(tick), `${f}.strike`, `ticks of ${tick}`),
        underlyingInstrument: x.underlyingInstrument ?? null,
        shortOptionMinimum: x.shortOptionMinimum ? atField(`${f}.shortOptionMinimum`, () => parseAmount(x.shortOptionMinimum!, 'min')) : 0n,
        ...(x.rate !== undefined ? { rate: x.rate } : {}),
      };
    }
    instruments.push({
      id: x.id,
      kind: x.kind,
      underlying: x.underlying,
      multiplier: x.multiplier,
      lot: x.lot,
      tick,
      ...k,
      margin: x.margin,
      tiers,
      slippage: x.slippage ? boundedRate(x.slippage, `${f}.slippage`, 'slippage') : 0n,
      ...(x.impact ? { impact: impactOf(x.impact, f) } : {}),
      expiry: x.expiry ?? null,
      option,
      priceBand: null,
      ...(portfolio ? { portfolio } : {}),
    });
    const px = input.prices[x.id] ?? optionPrice(x, input, asOf, f, tick);
    marks.set(x.id, exactInteger(new D(px).div(tick), `prices.${x.id}`, `ticks of ${tick}`));
  });
  const instrument = new Map(instruments.map((x) => [x.id, x]));

  const accounts: Account[] = [];
  const positions: Position[] = [];
  const collateral: Collateral[] = [];
  accountsIn.forEach((a, i) => {
    const f = `accounts[${i}]`;
    accounts.push({ id: a.id, member: 'what-if', kind: 'client', mode: a.mode ?? 'cross' });
    for (const [assetId, qty] of Object.entries(a.collateral ?? {})) {
      const asset = assetById.get(assetId);
      if (!asset) throw new InputError(`unknown asset ${assetId}`, { field: `${f}.collateral.${assetId}` });
      collateral.push({ account: a.id, asset: assetId, quantity: quantityScales.get(assetId)!.parse(`${f}.collateral.${assetId}`, qty) });
    }
    const seen = new Set<string>();
    (a.positions ?? []).forEach((p, j) => {
      const pf = `${f}.positions[${j}]`;
      const inst = instrument.get(p.instrument);
      if (!inst) throw new InputError(`unknown instrument ${p.instrument}`, { field: `${pf}.instrument` });
      if (seen.has(p.instrument)) throw new InputError(`a second position in ${p.instrument}: give one net position`, { field: pf });
      seen.add(p.instrument);
      const lots = exactInteger(new D(p.quantity).div(inst.lot), `${pf}.quantity`, `lots of ${inst.lot}`);
      const entryValue = exactInteger(new D(p.quantity).mul(p.entryPrice).mul(inst.multiplier).mul(1_000_000), `${pf}.entryPrice`, 'micro-USD of entry value');
      const isolated = a.mode === 'isolated' || p.isolatedMargin !== undefined;
      if (isolated && inst.margin === 'portfolio') {
        throw new InputError(`${p.instrument} is portfolio-margined (scanned with its commodity, in the cross part): it cannot be isolated`, { field: pf });
      }
      positions.push({
        account: a.id,
        instrument: p.instrument,
        quantity: lots,
        entryValue,
        isolatedMargin: isolated ? atField(`${pf}.isolatedMargin`, () => parseAmount(p.isolatedMargin ?? '0', 'isolatedMargin')) : null,
      });
    });
  });

  const book: Book = { policy, instruments, assets, accounts, positions, collateral, marks, assetPrices };
  // The portfolio's scans need the valuation time and the volatilities; so does an option's scanned price (moved
  // with its underlying by Black-76), tiered or not.
  if (instruments.some((x) => x.portfolio || (x.kind === 'option' && input.asOf !== undefined))) {
    book.market = { asOf: new Date(parseInstant(asOf)!).toISOString(), vols, spreads: spreadsOf(input.spreads ?? []) };
  }
  return { book, asOf };
}

/**
 * Portfolio (SPAN-style) terms of a what-if instrument, checked as the CSV import checks them: a future needs its
 * scan range (or a risk array), an option a portfolio underlying instrument (or a risk array).
 */
function portfolioOf(x: MarginInput['instruments'][number], f: string, byId: Map<string, MarginInput['instruments'][number]>, hasAsOf: boolean): PortfolioTerms {
  if (x.kind === 'perpetual') throw new InputError('a perpetual has no expiry to scan to: margin it "tiered"', { field: `${f}.margin` });
  const riskArray = x.riskArray ? x.riskArray.map((v, s) => atField(`${f}.riskArray[${s}]`, () => parseAmount(v, 'riskArray'))) : null;
  const scanRange = x.scanRange === undefined ? null : atField(`${f}.scanRange`, () => parseAmount(x.scanRange!, 'scanRange'));
  if (scanRange === 0n) throw new InputError('a scan range of 0 scans nothing: give it in USD per contract', { field: `${f}.scanRange` });
  if (!riskArray) {
    if (x.kind === 'option') {
      const u = x.underlyingInstrument === undefined ? undefined : byId.get(x.underlyingInstrument);
      if (!u) throw new InputError('a portfolio option needs its underlyingInstrument (Black-76 prices it on that future), or a riskArray', { field: `${f}.underlyingInstrument` });
      if (scanRange === null && (u.margin !== 'portfolio' || u.scanRange === undefined)) {
        throw new InputError(`give the option its scanRange: its underlying instrument ${u.id} has none to lend`, { field: `${f}.scanRange` });
      }
      if (!x.expiry) throw new InputError('a portfolio option needs its expiry (Black-76), or a riskArray', { field: `${f}.expiry` });
      if (!hasAsOf) throw new InputError(`option ${x.id} is scanned by Black-76, which needs the time to expiry: give asOf`, { field: 'asOf' });
    } else if (scanRange === null) {
      throw new InputError('a portfolio future needs its scanRange (USD per contract), or a riskArray', { field: `${f}.scanRange` });
    }
  }
  const volShift = x.volShift === undefined ? 0n : atField(`${f}.volShift`, () => parseRate(x.volShift!, 'volShift'));
  const imMultiplier = x.imMultiplier === undefined ? 1_100_000n : atField(`${f}.imMultiplier`, () => parseRate(x.imMultiplier!, 'imMultiplier'));
  if (imMultiplier < 1_000_000n) throw new InputError('an IM multiplier below 1 would ask less than maintenance', { field: `${f}.imMultiplier` });
  return { scanRange, volShift, imMultiplier, riskArray };
}

function creditRate(v: string, field: string): bigint {
  const ppm = atField(field, () => parseRate(v, 'rate'));
  if (ppm > 1_000_000n) throw new InputError(`a credit rate of ${v} is above 1: a credit is at most the legs' whole requirement`, { field });
  return ppm;
}

function spreadsOf(rows: NonNullable<MarginInput['spreads']>): SpreadDefinition[] {
  refuseRepeats(rows, (s) => s.id, (i) => `spreads[${i}].id`);
  return rows.map((s, i) => {
    const f = `spreads[${i}]`;
    refuseRepeats(s.legs, (l) => l.underlying, (j) => `${f}.legs[${j}].underlying`);
    s.legs.forEach((l, j) => {
      if (!new D(l.ratio).gt(0)) throw new InputError('a leg\'s ratio must be greater than 0', { field: `${f}.legs[${j}].ratio` });
    });
    return { id: s.id, legs: s.legs.map((l) => ({ underlying: l.underlying, ratio: new D(l.ratio).toFixed() })), rate: creditRate(s.rate, `${f}.rate`), priority: s.priority };
  });
}

function optionPrice(x: MarginInput['instruments'][number], input: MarginInput, asOf: string, f: string, tick: string): string {
  if (x.kind !== 'option') throw new InputError(`no price for ${x.id}`, { field: `prices.${x.id}` });
  const under = x.underlyingInstrument ? input.prices[x.underlyingInstrument] : undefined;
  if (!under || !x.volatility || !x.expiry || !x.strike || !x.right) {
    throw new InputError(`option ${x.id} has no price: give one in prices, or underlyingInstrument (priced), volatility and expiry for Black-76`, {
      field: `prices.${x.id}`,
    });
  }
  if (input.asOf === undefined) throw new InputError(`option ${x.id} is priced by Black-76, which needs the time to expiry: give asOf`, { field: 'asOf' });
  // Both passed the schema's time rule, so both parse.
  const ms = parseInstant(x.expiry)! - parseInstant(asOf)!;
  if (ms < 0) throw new InputError(`expiry ${x.expiry} is before asOf ${asOf}: an expired option has no Black-76 value`, { field: `${f}.expiry` });
  // At expiry (T = 0) Black-76 is the intrinsic value max(0, +-(F - K)), exactly.
  const years = new D(ms).div(365 * 24 * 3600 * 1000);
  const price = new D(black76Price({ forward: under, strike: x.strike, years: years.toString(), vol: x.volatility, rate: x.rate ?? '0', right: x.right }).toString());
  return price.div(tick).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).mul(tick).toFixed();
}
