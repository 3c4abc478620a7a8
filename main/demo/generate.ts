// The demo book (design §5 "Demo book"): a dozen clearing members of very different sizes, `accounts` margin
// accounts, perpetuals and futures on BTC, ETH and the Nasdaq-100, collateral in five assets, a daily price history
// that ends with a violent day, and a few percent of accounts in trouble at the last mark. Deterministic from the
// seed; every number is an exact integer in model units (methodology §1).
import { AMOUNT_ONE, RATE_ONE, divRound } from '../../shared/units.ts';
import { canonicalTime } from '../csv/values.ts';
import { STATUS_RANK } from '../engine/results.ts';
import type { Member, VolatilityRow } from '../csv/types.ts';
import {
  ACCOUNT_STATUSES,
  DEFAULT_POLICY,
  type Account,
  type AccountStatus,
  type Asset,
  type Book,
  type Collateral,
  type Instrument,
  type Policy,
  type Position,
} from '../engine/model.ts';
import { DEMO_ASSETS, DEMO_USERS, MEMBER_SPECS, type DemoInstrument, type DemoUser, demoInstruments } from './catalog.ts';
import { D, DEFAULT_DATA_DIR, type Dec, buildPricePaths } from './market.ts';
import { Rng } from './prng.ts';

export { DEMO_USERS, type DemoUser } from './catalog.ts';

export interface DemoBookOptions {
  /** Number of margin accounts (1 .. 10,000,000). */
  accounts: number;
  /** Any safe integer; the same seed gives the same book. */
  seed: number;
  /** ISO-8601 UTC time of the last mark (the violent day's close). */
  asOf: string;
  /**
   * Folder holding btc-usd-daily.csv, eth-usd-daily.csv, nasdaq-daily.csv and usdt-usd-daily.csv. Defaults to the
   * `shared/data` folder beside the repo; null (or a missing folder) gives a seeded random walk instead.
   */
  dataDir?: string | URL | null;
}

export interface PricePoint {
  instrument: string;
  at: string;
  /** In the instrument's ticks. */
  mark: bigint;
}

export interface AssetPricePoint {
  asset: string;
  at: string;
  /** In 10^-priceScale USD. */
  price: bigint;
}

export interface DemoBook {
  asOf: string;
  seed: number;
  policy: Policy;
  members: Member[];
  accounts: Account[];
  assets: Asset[];
  instruments: Instrument[];
  positions: Position[];
  collateral: Collateral[];
  /** One mark per instrument per day, oldest first within each instrument; the last one is at `asOf`. */
  history: PricePoint[];
  /** One price per asset per day, oldest first within each asset; the last one is at `asOf`. */
  assetPrices: AssetPricePoint[];
  /** Implied volatilities quoted for options (the options desk, optionsDesk.ts), if any. */
  volatilities?: VolatilityRow[];
  users: DemoUser[];
  /** How the book was made: price sources, calibration, the status counts at the last mark. */
  notes: string[];
}

/** Days of price history, the last being the violent day. */
export const HISTORY_DAYS = 120;
/** Share of accounts the calibration aims to have in `call` or worse at the last mark. */
export const TARGET_DISTRESSED = 0.05;
const DAY_MS = 86_400_000;
const MICRO = 1_000_000n;
const MAX_ACCOUNTS = 10_000_000;

/** Margin figures of one instrument at one day, for the generator's own (integer) evaluation. */
interface InstrumentCalc {
  k: bigint;
  floors: bigint[];
  mmr: bigint[];
  imr: bigint[];
  cumMm: bigint[];
  cumIm: bigint[];
}

export function generateDemoBook(options: DemoBookOptions): DemoBook {
  const { accounts: nAccounts, seed } = options;
  if (!Number.isSafeInteger(nAccounts) || nAccounts < 1 || nAccounts > MAX_ACCOUNTS) {
    throw new RangeError(`accounts must be a whole number from 1 to ${MAX_ACCOUNTS}, got ${nAccounts}`);
  }
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  const asOf = canonicalTime(options.asOf);
  if (asOf === null) throw new RangeError(`asOf must be an ISO-8601 UTC time, got ${options.asOf}`);
  const asOfMs = Date.parse(asOf);
  const rng = new Rng(seed);
  const notes: string[] = [];

  // ---- Prices: underlying paths -> instrument marks (ticks) and asset prices, per day.
  const days = HISTORY_DAYS;
  const PRE = days - 2;
  const LAST = days - 1;
  const market = buildPricePaths(days, options.dataDir === undefined ? DEFAULT_DATA_DIR : options.dataDir, new Rng(seed ^ 0x5a5a5a5a));
  notes.push(...market.notes);
  const dayMs = (d: number): number => asOfMs - (days - 1 - d) * DAY_MS;
  const ats: string[] = [];
  for (let d = 0; d < days; d++) ats.push(canonicalTime(new Date(dayMs(d)).toISOString()) as string);

  const insts = demoInstruments(asOfMs);
  const marks: bigint[][] = insts.map((inst) => {
    const path = market.paths.get(inst.underlying) as Dec[];
    const tick = new D(inst.tick);
    const expiryMs = inst.expiry ? Date.parse(inst.expiry) : 0;
    return path.map((spot, d) => {
      const price = inst.carry === 0 ? spot : spot.times(new D(1).plus(new D(inst.carry).times(expiryMs - dayMs(d)).div(365 * DAY_MS)));
      const ticks = BigInt(price.div(tick).toDecimalPlaces(0, D.ROUND_HALF_EVEN).toFixed(0));
      return ticks < 1n ? 1n : ticks;
    });
  });
  const history: PricePoint[] = [];
  insts.forEach((inst, i) => {
    for (let d = 0; d < days; d++) history.push({ instrument: inst.id, at: ats[d] as string, mark: (marks[i] as bigint[])[d] as bigint });
  });

  const assetPriceRows: bigint[][] = DEMO_ASSETS.map((a) => {
    const scale = new D(10).pow(a.priceScale);
    const out: bigint[] = [];
    for (let d = 0; d < days; d++) {
      let p: Dec;
      if (a.priced) p = (market.paths.get(a.priced) as Dec[])[d] as Dec;
      else if (a.liquidityClass === 'cash') p = new D(1);
      // A rolling 3-month bill: accretes slowly, rallies a little on the violent day (flight to quality).
      else p = new D('0.9887').plus(new D('0.00001').times(d)).plus(d === LAST ? '0.0004' : '0');
      out.push(BigInt(p.times(scale).toDecimalPlaces(0, D.ROUND_HALF_EVEN).toFixed(0)));
    }
    return out;
  });
  const assetPrices: AssetPricePoint[] = [];
  DEMO_ASSETS.forEach((a, j) => {
    for (let d = 0; d < days; d++) assetPrices.push({ asset: a.id, at: ats[d] as string, price: (assetPriceRows[j] as bigint[])[d] as bigint });
  });

  // ---- Per-instrument figures for sizing and for the generator's own margin evaluation.
  const calc: InstrumentCalc[] = insts.map((inst) => tierCalc(inst));
  const nInst = insts.length;
  const priceLotPre = insts.map((_, i) => ((marks[i] as bigint[])[PRE] as bigint) * (calc[i] as InstrumentCalc).k);
  const priceLotLast = insts.map((_, i) => ((marks[i] as bigint[])[LAST] as bigint) * (calc[i] as InstrumentCalc).k);
  const usdPerLotPre = priceLotPre.map((p) => Number(p) / 1e6);
  const meanWeight = insts.reduce((s, x) => s + x.weight, 0) / nInst;

  // Collateral assets: pre-crash and last prices, base haircut, ratio of last to pre-crash value.
  const assetPre = DEMO_ASSETS.map((_, j) => (assetPriceRows[j] as bigint[])[PRE] as bigint);
  const assetLast = DEMO_ASSETS.map((_, j) => (assetPriceRows[j] as bigint[])[LAST] as bigint);
  const baseHaircut = DEMO_ASSETS.map((a) => Number((a.haircuts[0] as { rate: bigint }).rate) / 1e6);
  const assetMove = DEMO_ASSETS.map((_, j) => Number(assetLast[j]) / Number(assetPre[j]));
  const USD = DEMO_ASSETS.findIndex((a) => a.id === 'USD');
  const clientAssetWeights = DEMO_ASSETS.map((a) => a.mix.client);
  const houseAssetWeights = DEMO_ASSETS.map((a) => a.mix.house);

  // ---- Members and how many accounts each has.
  const counts = splitCounts(nAccounts, MEMBER_SPECS.map((m) => m.weight));
  const accounts: Account[] = [];
  const positions: Position[] = [];
  // Per account: cross-part figures (micro-USD), the calibration ratio, the collateral mix.
  const scaleUsd: number[] = [];
  const imPre: bigint[] = [];
  const upnlPre: bigint[] = [];
  const mmLast: bigint[] = [];
  const imLast: bigint[] = [];
  const upnlLast: bigint[] = [];
  const baseCover: number[] = [];
  const critical: number[] = [];
  const mixAssets: number[][] = [];
  const mixWeights: number[][] = [];
  // Isolated positions: index into `positions`, and their figures.
  const iso: { pos: number; acct: number; imPre: bigint; upnlPre: bigint; mmLast: bigint; imLast: bigint; upnlLast: bigint }[] = [];

  const order = new Int32Array(nInst);
  let isolatedCount = 0;
  MEMBER_SPECS.forEach((m, mi) => {
    const n = counts[mi] as number;
    const houses = Math.min(n, Math.max(1, Math.min(5, Math.round(n * 0.01))));
    const width = Math.max(4, String(n).length);
    for (let a = 0; a < n; a++) {
      const house = a < houses;
      const isolated = !house && rng.next() < 0.03;
      if (isolated) isolatedCount++;
      const id = house ? `${m.id}-H${String(a + 1).padStart(2, '0')}` : `${m.id}-C${String(a - houses + 1).padStart(width, '0')}`;
      const acctIndex = accounts.length;
      accounts.push({ id, member: m.id, kind: house ? 'house' : 'client', mode: isolated ? 'isolated' : 'cross' });

      // Size: USD notional of a typical position; lognormal, house accounts far larger (by member size too).
      const scale = house
        ? Math.min(2e8, 4e6 * Math.sqrt(m.weight / 0.05) * Math.exp(0.8 * rng.normal()))
        : Math.min(5e7, 1.5e5 * Math.exp(1.3 * rng.normal()));
      scaleUsd.push(scale);
      const bias = house ? 0.25 * rng.normal() : rng.range(-1, 1);
      const pLong = Math.min(0.95, Math.max(0.05, 0.5 + 0.4 * bias));
      const k = isolated ? 1 + rng.int(3) : Math.min(nInst, 4 + rng.int(13));
      for (let i = 0; i < nInst; i++) order[i] = i;

      let cImPre = 0n;
      let cUpPre = 0n;
      let cMmLast = 0n;
      let cImLast = 0n;
      let cUpLast = 0n;
      let worstIso = -Infinity;
      for (let p = 0; p < k; p++) {
        const pick = p + rng.int(nInst - p);
        const j = order[pick] as number;
        order[pick] = order[p] as number;
        order[p] = j;
        const inst = insts[j] as DemoInstrument;
        const c = calc[j] as InstrumentCalc;
        const usd = (scale * Math.exp(0.6 * rng.normal()) * inst.weight) / meanWeight;
        const lots = BigInt(Math.max(1, Math.round(usd / (usdPerLotPre[j] as number))));
        const q = rng.next() < pLong ? lots : -lots;
        const series = marks[j] as bigint[];
        const entryDay = PRE - rng.int(60);
        const entryTicksN = Math.max(1, Math.round(Number(series[entryDay]) * (1 + 0.003 * rng.normal())));
        const entryValue = q * BigInt(entryTicksN) * c.k;
        positions.push({ account: id, instrument: inst.id, quantity: q, entryValue, isolatedMargin: null });

        const abs = q < 0n ? -q : q;
        const nPre = abs * (priceLotPre[j] as bigint);
        const nLast = abs * (priceLotLast[j] as bigint);
        const ip = tierReq(nPre, c.floors, c.imr, c.cumIm);
        const up = q * (priceLotPre[j] as bigint) - entryValue;
        const mL = tierReq(nLast, c.floors, c.mmr, c.cumMm);
        const iL = tierReq(nLast, c.floors, c.imr, c.cumIm);
        const uL = q * (priceLotLast[j] as bigint) - entryValue;
        if (isolated) {
          iso.push({ pos: positions.length - 1, acct: acctIndex, imPre: ip, upnlPre: up, mmLast: mL, imLast: iL, upnlLast: uL });
          // Cover at which this position's margin still meets maintenance at the last mark.
          worstIso = Math.max(worstIso, Number(mL - uL + up) / Number(ip));
        } else {
          cImPre += ip;
          cUpPre += up;
          cMmLast += mL;
          cImLast += iL;
          cUpLast += uL;
        }
      }
      imPre.push(cImPre);
      upnlPre.push(cUpPre);
      mmLast.push(cMmLast);
      imLast.push(cImLast);
      upnlLast.push(cUpLast);

      // Collateral mix: 1-4 assets; weights a_j with sum a_j (1 - h_j) = 1, so a value C needs C a_j gross of each.
      const nMix = 1 + rng.weighted([0.35, 0.35, 0.2, 0.1]);
      const pool = (house ? houseAssetWeights : clientAssetWeights).slice();
      const chosen: number[] = [];
      const raw: number[] = [];
      for (let t = 0; t < nMix; t++) {
        const j = rng.weighted(pool);
        pool[j] = 0;
        chosen.push(j);
        raw.push(rng.range(0.2, 1));
      }
      // A rare cash debit: USD borrowed against the other holdings.
      const usdAt = chosen.indexOf(USD);
      if (usdAt >= 0 && nMix >= 2 && rng.next() < 0.05) {
        const others = raw.reduce((s, w, t) => (t === usdAt ? s : s + w), 0);
        raw[usdAt] = -0.25 * others;
      }
      const norm = raw.reduce((s, w, t) => s + (w > 0 ? w * (1 - (baseHaircut[chosen[t] as number] as number)) : w), 0);
      const weights = raw.map((w) => w / norm);
      mixAssets.push(chosen);
      mixWeights.push(weights);
      // Collateral value at the last mark per unit of value at the pre-crash mark.
      const r = weights.reduce((s, w, t) => {
        const j = chosen[t] as number;
        return s + (w > 0 ? w * (1 - (baseHaircut[j] as number)) * (assetMove[j] as number) : w);
      }, 0);

      // The cover (equity / IM before the crash) below which the account is in call at the last mark.
      const crossCritical = cImPre > 0n ? (Number(cMmLast - cUpLast) / Math.max(r, 0.05) + Number(cUpPre)) / Number(cImPre) : -Infinity;
      const b = Math.exp(0.5 * rng.normal());
      baseCover.push(b);
      critical.push(Math.max(crossCritical, worstIso) / b);
    }
  });

  // ---- Calibration: one book-wide cover level, so that about TARGET_DISTRESSED of accounts fall into call.
  const sorted = Float64Array.from(critical).sort();
  const q = sorted[Math.min(sorted.length - 1, Math.floor((1 - TARGET_DISTRESSED) * sorted.length))] as number;
  const level = Math.min(20, Math.max(1.25, Number.isFinite(q) ? q : 1.25));
  notes.push(
    `positions entered at marks of the 60 days before the violent day; collateral posted at ${level.toFixed(3)} x ` +
      `(a lognormal per-account factor) x the pre-crash initial margin, at least 1.1x, calibrated for about ` +
      `${TARGET_DISTRESSED * 100}% of accounts in call or worse at the last mark`,
  );
  const coverPpm = (i: number): bigint => BigInt(Math.round(Math.max(1.1, level * (baseCover[i] as number)) * 1e6));

  // ---- Collateral holdings and isolated margins.
  const collateral: Collateral[] = [];
  for (let i = 0; i < accounts.length; i++) {
    const acct = accounts[i] as Account;
    const ip = imPre[i] as bigint;
    let value: bigint;
    if (ip > 0n) {
      value = (coverPpm(i) * ip) / MICRO - (upnlPre[i] as bigint);
      const least = ip / 5n + 500n * AMOUNT_ONE;
      if (value < least) value = least;
    } else {
      value = BigInt(Math.round((scaleUsd[i] as number) * (0.05 + 0.25 * rng.next()))) * AMOUNT_ONE;
    }
    const chosen = mixAssets[i] as number[];
    const weights = mixWeights[i] as number[];
    let rows = 0;
    for (let t = 0; t < chosen.length; t++) {
      const j = chosen[t] as number;
      const asset = DEMO_ASSETS[j] as Asset;
      const gross = (value * BigInt(Math.round((weights[t] as number) * 1e6))) / MICRO;
      const qty = (gross * 10n ** BigInt(asset.quantityScale + asset.priceScale)) / ((assetPre[j] as bigint) * MICRO);
      if (qty === 0n) continue;
      collateral.push({ account: acct.id, asset: asset.id, quantity: qty });
      rows++;
    }
    if (rows === 0) collateral.push({ account: acct.id, asset: 'USD', quantity: value / 10_000n + 1n });
  }
  for (const x of iso) {
    let m = (coverPpm(x.acct) * x.imPre) / MICRO - x.upnlPre;
    if (m < x.imPre / 5n) m = x.imPre / 5n;
    m = divRound(m, 10_000n, 'ceil') * 10_000n; // whole cents
    (positions[x.pos] as Position).isolatedMargin = m;
  }

  // ---- Default-fund contributions: 5% of the member's pre-crash initial margin, at least 1M USD, in 10k USD.
  const memberIm = new Map<string, bigint>();
  accounts.forEach((a, i) => memberIm.set(a.member, (memberIm.get(a.member) ?? 0n) + (imPre[i] as bigint)));
  for (const x of iso) {
    const m = (accounts[x.acct] as Account).member;
    memberIm.set(m, (memberIm.get(m) ?? 0n) + x.imPre);
  }
  const members: Member[] = MEMBER_SPECS.map((m, mi) => {
    const step = 10_000n * AMOUNT_ONE;
    const df = divRound(((memberIm.get(m.id) ?? 0n) * 5n) / 100n, step, 'ceil') * step;
    return {
      id: m.id,
      name: m.name,
      status: mi === MEMBER_SPECS.length - 1 ? 'watch' : 'active',
      defaultFund: df < 1_000_000n * AMOUNT_ONE ? 1_000_000n * AMOUNT_ONE : df,
      assessmentMultiple: 2n * RATE_ONE,
    };
  });

  // ---- What the book looks like at the last mark (the generator's own integer evaluation, results.ts rules).
  const status = lastMarkStatuses(accounts, positions, collateral, iso, { mmLast, imLast, upnlLast }, assetLast);
  const tally = new Map<AccountStatus, number>(ACCOUNT_STATUSES.map((s) => [s, 0]));
  for (const s of status) tally.set(s, (tally.get(s) ?? 0) + 1);
  notes.push(
    `${accounts.length} accounts (${isolatedCount} isolated), ${positions.length} positions, ${collateral.length} holdings; ` +
      `at the last mark: ${ACCOUNT_STATUSES.map((s) => `${tally.get(s)} ${s}`).join(', ')}`,
  );

  return {
    asOf,
    seed,
    policy: { ...DEFAULT_POLICY },
    members,
    accounts,
    assets: DEMO_ASSETS.map(({ priced: _p, mix: _m, ...a }) => ({ ...a, haircuts: a.haircuts.map((h) => ({ ...h })) })),
    instruments: insts.map(({ carry: _c, weight: _w, ...inst }) => inst),
    positions,
    collateral,
    history,
    assetPrices,
    users: DEMO_USERS.map((u) => ({ ...u })),
    notes,
  };
}

/** The engine's view of the book at its last mark. */
export function bookAtLastMark(demo: DemoBook): Book {
  const marks = new Map<string, bigint>();
  for (const p of demo.history) if (p.at === demo.asOf) marks.set(p.instrument, p.mark);
  const assetPrices = new Map<string, bigint>();
  for (const p of demo.assetPrices) if (p.at === demo.asOf) assetPrices.set(p.asset, p.price);
  return {
    policy: demo.policy,
    instruments: demo.instruments,
    assets: demo.assets,
    accounts: demo.accounts,
    positions: demo.positions,
    collateral: demo.collateral,
    marks,
    assetPrices,
  };
}

/** Largest-remainder split of n into parts proportional to weights, each part at least 1 when n allows. */
function splitCounts(n: number, weights: readonly number[]): number[] {
  const total = weights.reduce((s, w) => s + w, 0);
  const exact = weights.map((w) => (n * w) / total);
  const parts = exact.map((x) => Math.floor(x));
  let left = n - parts.reduce((s, x) => s + x, 0);
  const byRemainder = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (let k = 0; left > 0; k++, left--) {
    const i = (byRemainder[k % byRemainder.length] as { i: number }).i;
    parts[i] = (parts[i] as number) + 1;
  }
  if (n >= weights.length) {
    for (let i = 0; i < parts.length; i++) {
      if (parts[i] === 0) {
        const largest = parts.indexOf(Math.max(...parts));
        parts[i] = 1;
        parts[largest] = (parts[largest] as number) - 1;
      }
    }
  }
  return parts;
}

function tierCalc(inst: Instrument): InstrumentCalc {
  const floors = inst.tiers.map((t) => t.floor);
  const mmr = inst.tiers.map((t) => t.mmr);
  const imr = inst.tiers.map((t) => t.imr);
  const cum = (rates: bigint[]): bigint[] => {
    const out: bigint[] = [0n];
    for (let n = 1; n < rates.length; n++) {
      out.push((floors[n] as bigint) * ((rates[n] as bigint) - (rates[n - 1] as bigint)) + (out[n - 1] as bigint));
    }
    return out;
  };
  return { k: inst.lotTickValue, floors, mmr, imr, cumMm: cum(mmr), cumIm: cum(imr) };
}

/** MM or IM of a notional (micro-USD) per results.ts: ceil((notional x rate_n - cum_n) / 1e6). */
function tierReq(notional: bigint, floors: bigint[], rates: bigint[], cums: bigint[]): bigint {
  let n = floors.length - 1;
  while (n > 0 && (floors[n] as bigint) > notional) n--;
  const x = notional * (rates[n] as bigint) - (cums[n] as bigint);
  return (x + 999_999n) / MICRO;
}

function unitStatus(equity: bigint, mm: bigint, im: bigint, policy: Policy): AccountStatus {
  if (equity < 0n) return 'bankrupt';
  if (mm > 0n && equity * RATE_ONE < policy.liquidationHealth * mm) return 'liquidation';
  if (equity < mm) return 'call';
  if (equity < im) return 'warning';
  return 'healthy';
}

function lastMarkStatuses(
  accounts: Account[],
  positions: Position[],
  collateral: Collateral[],
  iso: { acct: number; mmLast: bigint; imLast: bigint; upnlLast: bigint; pos: number }[],
  cross: { mmLast: bigint[]; imLast: bigint[]; upnlLast: bigint[] },
  assetLast: bigint[],
): AccountStatus[] {
  const index = new Map<string, number>();
  accounts.forEach((a, i) => index.set(a.id, i));
  const assetIndex = new Map<string, number>();
  DEMO_ASSETS.forEach((a, j) => assetIndex.set(a.id, j));
  const haircutCalc = DEMO_ASSETS.map((a) => {
    const floors = a.haircuts.map((h) => h.floor);
    const rates = a.haircuts.map((h) => h.rate);
    const cums: bigint[] = [0n];
    for (let n = 1; n < rates.length; n++) {
      cums.push((floors[n] as bigint) * ((rates[n] as bigint) - (rates[n - 1] as bigint)) + (cums[n - 1] as bigint));
    }
    return { floors, rates, cums, den: 10n ** BigInt(a.quantityScale + a.priceScale) };
  });
  const equity = cross.upnlLast.slice();
  for (const c of collateral) {
    const j = assetIndex.get(c.asset) as number;
    const h = haircutCalc[j] as { floors: bigint[]; rates: bigint[]; cums: bigint[]; den: bigint };
    const gross = divRound(c.quantity * (assetLast[j] as bigint) * MICRO, h.den, 'floor');
    const value = gross > 0n ? gross - tierReq(gross, h.floors, h.rates, h.cums) : gross;
    const i = index.get(c.account) as number;
    equity[i] = (equity[i] as bigint) + value;
  }
  const out = accounts.map((_, i) =>
    unitStatus(equity[i] as bigint, cross.mmLast[i] as bigint, cross.imLast[i] as bigint, DEFAULT_POLICY),
  );
  for (const x of iso) {
    const margin = (positions[x.pos] as Position).isolatedMargin ?? 0n;
    const s = unitStatus(margin + x.upnlLast, x.mmLast, x.imLast, DEFAULT_POLICY);
    if (STATUS_RANK[s] > STATUS_RANK[out[x.acct] as AccountStatus]) out[x.acct] = s;
  }
  return out;
}
