// Turns a Book into columns for the kernel: typed arrays of exact integers, positions and collateral grouped by
// account, tier tables flattened. Done once per book (or after positions change), not per price tick.
import type { Book, Tier, Bracket } from './model.ts';
import { MAX_SAFE, MAX_RATE_PPM } from './exactFloat.ts';
import { InputError } from '../../shared/errors.ts';
import { isFine } from './lotValue.ts';
import { refuseIsolatedPortfolio } from './portfolio/scan.ts';

export interface TierColumns {
  /** Tier rows of entity e are start[e] .. start[e+1]-1. */
  start: Int32Array;
  floor: Float64Array;
  mRate: Float64Array;
  iRate: Float64Array;
  /** cum = cumQ * 1e6 + cumR (micro x ppm), split so each part is a safe integer. */
  mCumQ: Float64Array;
  mCumR: Float64Array;
  iCumQ: Float64Array;
  iCumR: Float64Array;
  /** A tier table whose figures do not fit the float path: entities using it take the BigInt path. */
  big: Uint8Array;
}

/**
 * Instrument tiers re-expressed per unit of |q| x mark (lots x ticks), so the kernel needs no division in the
 * common case: with K = lotTickValue and K x rate = a x 1e6 + b,
 *   MM = ceil((units x K x rate - cumR) / 1e6) - cumQ = units x a + ceil((units x b - cumR) / 1e6) - cumQ
 * and the last fraction is 0 when b = 0 (0 <= cumR < 1e6). Floors become the least units that reach them.
 */
export interface UnitTierColumns {
  floorUnits: Float64Array;
  mA: Float64Array;
  mB: Float64Array;
  iA: Float64Array;
  iB: Float64Array;
}

export interface BookColumns {
  book: Book;
  nAccounts: number;
  accountIndex: Map<string, number>;
  instrumentIndex: Map<string, number>;
  assetIndex: Map<string, number>;
  /** Positions of account a are posStart[a] .. posStart[a+1]-1 (sorted by account, then book order). */
  posStart: Int32Array;
  posOrig: Int32Array;
  posInst: Int32Array;
  posQty: Float64Array;
  posEntry: Float64Array;
  /** Isolated margin, NaN for a cross position. */
  posIso: Float64Array;
  colStart: Int32Array;
  colOrig: Int32Array;
  colAsset: Int32Array;
  colQty: Float64Array;
  instK: Float64Array;
  instTiers: TierColumns;
  instUnitTiers: UnitTierColumns;
  /** Collateral value of an asset = qty * price * assetMul / assetDiv (one of them is 1). */
  assetMul: Float64Array;
  assetDiv: Float64Array;
  assetHaircuts: TierColumns;
  /**
   * The same positions instrument by instrument (within one, in account order): the kernel's hot loop walks these
   * contiguously with the instrument's mark, lot-tick value and first tier in registers. sPos maps back to the
   * account-major position index above.
   */
  sliceStart: Int32Array;
  sAcct: Int32Array;
  sPos: Int32Array;
  sQty: Float64Array;
  sEntry: Float64Array;
  sIso: Float64Array;
  /** Accounts with an input that does not fit the float path: always evaluated exactly with BigInt. */
  accountBig: Uint8Array;
  /**
   * Accounts holding a portfolio-margined position (methodology §4). The kernels give them their tiered part only
   * (a portfolio instrument has a zero tier); evaluateBook adds their combined commodities (portfolio/fastScan.ts),
   * and the incremental book keeps them on the BigInt path.
   */
  accountPortfolio: Uint8Array;
  liquidationHealth: number;
  callOnInitial: boolean;
  /** Money demanded is rounded up to a multiple of this many micro-units. */
  amountStep: number;
}

// The bounds made once: two BigInts made per call were a quarter of compiling the 100k demo book (969,590 positions).
const SAFE_HI = BigInt(MAX_SAFE);
const SAFE_LO = -SAFE_HI;
const safe = (v: bigint): boolean => v <= SAFE_HI && v >= SAFE_LO;

function tierColumns(tables: { rows: { floor: bigint; m: bigint; i: bigint }[] }[]): TierColumns {
  const total = tables.reduce((s, t) => s + t.rows.length, 0);
  const c: TierColumns = {
    start: new Int32Array(tables.length + 1),
    floor: new Float64Array(total),
    mRate: new Float64Array(total),
    iRate: new Float64Array(total),
    mCumQ: new Float64Array(total),
    mCumR: new Float64Array(total),
    iCumQ: new Float64Array(total),
    iCumR: new Float64Array(total),
    big: new Uint8Array(tables.length),
  };
  let k = 0;
  tables.forEach((t, e) => {
    c.start[e] = k;
    let cumM = 0n;
    let cumI = 0n;
    let prevM = 0n;
    let prevI = 0n;
    t.rows.forEach((row, n) => {
      if (n > 0) {
        cumM += row.floor * (row.m - prevM);
        cumI += row.floor * (row.i - prevI);
      }
      prevM = row.m;
      prevI = row.i;
      const ok =
        safe(row.floor) && row.m >= 0n && row.i >= 0n && row.m <= BigInt(MAX_RATE_PPM) && row.i <= BigInt(MAX_RATE_PPM);
      const qM = cumM / 1_000_000n;
      const qI = cumI / 1_000_000n;
      if (!ok || cumM < 0n || cumI < 0n || !safe(qM) || !safe(qI)) c.big[e] = 1;
      c.floor[k] = Number(row.floor);
      c.mRate[k] = Number(row.m);
      c.iRate[k] = Number(row.i);
      c.mCumQ[k] = Number(qM);
      c.mCumR[k] = Number(cumM - qM * 1_000_000n);
      c.iCumQ[k] = Number(qI);
      c.iCumR[k] = Number(cumI - qI * 1_000_000n);
      k++;
    });
  });
  c.start[tables.length] = k;
  return c;
}

const ZERO_TIER: Tier[] = [{ floor: 0n, mmr: 0n, imr: 0n }];
const tierRows = (tiers: Tier[]) => ({ rows: tiers.map((t) => ({ floor: t.floor, m: t.mmr, i: t.imr })) });
const bracketRows = (b: Bracket[]) => ({ rows: b.map((x) => ({ floor: x.floor, m: x.rate, i: x.rate })) });

function unitTiers(book: Book, tiers: TierColumns): UnitTierColumns {
  const total = tiers.floor.length;
  const u: UnitTierColumns = {
    floorUnits: new Float64Array(total),
    mA: new Float64Array(total),
    mB: new Float64Array(total),
    iA: new Float64Array(total),
    iB: new Float64Array(total),
  };
  book.instruments.forEach((x, e) => {
    const k = x.lotTickValue;
    (x.margin === 'portfolio' ? ZERO_TIER : x.tiers).forEach((t, n) => {
      const row = tiers.start[e]! + n;
      const km = k * t.mmr;
      const ki = k * t.imr;
      const floorUnits = k > 0n ? (t.floor + k - 1n) / k : 0n;
      u.floorUnits[row] = Number(floorUnits);
      u.mA[row] = Number(km / 1_000_000n);
      u.mB[row] = Number(km % 1_000_000n);
      u.iA[row] = Number(ki / 1_000_000n);
      u.iB[row] = Number(ki % 1_000_000n);
      if (!safe(km / 1_000_000n) || !safe(ki / 1_000_000n) || !safe(floorUnits)) tiers.big[e] = 1;
    });
  });
  return u;
}

export function compileBook(book: Book): BookColumns {
  const accountIndex = new Map<string, number>();
  book.accounts.forEach((a, i) => accountIndex.set(a.id, i));
  const instrumentIndex = new Map<string, number>();
  book.instruments.forEach((x, i) => instrumentIndex.set(x.id, i));
  const assetIndex = new Map<string, number>();
  book.assets.forEach((x, i) => assetIndex.set(x.id, i));
  const nA = book.accounts.length;
  const accountBig = new Uint8Array(nA);
  const accountPortfolio = new Uint8Array(nA);

  // A portfolio instrument has no tiers: a zero tier keeps the columns regular, and its holders take the BigInt
  // path (below), which margins their combined commodities.
  const instTiers = tierColumns(book.instruments.map((x) => tierRows(x.margin === 'portfolio' ? ZERO_TIER : x.tiers)));
  const instK = new Float64Array(book.instruments.length);
  book.instruments.forEach((x, i) => {
    if (x.margin === 'portfolio') {
      instK[i] = Number(x.lotTickValue);
      if (!safe(x.lotTickValue) || isFine(x)) instTiers.big[i] = 1;
      return;
    }
    if (x.tiers.length === 0 || x.tiers[0]?.floor !== 0n) {
      throw new InputError(`instrument ${x.id} has no tier starting at 0`, { field: `instruments[${i}].tiers` });
    }
    instK[i] = Number(x.lotTickValue);
    // A fine instrument's K is not a whole number of micro-USD: its holders take the BigInt path, which rounds each
    // position once (lotValue.ts), so the kernels' arithmetic stays that of whole K. instK is then only a placeholder.
    if (!safe(x.lotTickValue) || isFine(x)) instTiers.big[i] = 1;
  });
  const instUnitTiers = unitTiers(book, instTiers);
  const assetHaircuts = tierColumns(book.assets.map((x) => bracketRows(x.haircuts)));
  const assetMul = new Float64Array(book.assets.length);
  const assetDiv = new Float64Array(book.assets.length);
  book.assets.forEach((x, i) => {
    const shift = 6 - x.quantityScale - x.priceScale;
    assetMul[i] = shift >= 0 ? 10 ** shift : 1;
    assetDiv[i] = shift < 0 ? 10 ** -shift : 1;
    if (Math.abs(shift) > 15) assetHaircuts.big[i] = 1;
  });

  const group = <T extends { account: string }>(rows: T[], what: string) => {
    const counts = new Int32Array(nA + 1);
    const acctOf = new Int32Array(rows.length);
    rows.forEach((r, i) => {
      const a = accountIndex.get(r.account);
      if (a === undefined) throw new InputError(`unknown account ${r.account}`, { field: `${what}[${i}].account` });
      acctOf[i] = a;
      counts[a + 1]!++;
    });
    for (let a = 0; a < nA; a++) counts[a + 1]! += counts[a]!;
    const start = counts.slice();
    const fill = counts.slice(0, nA);
    const orig = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) orig[fill[acctOf[i]!]!++] = i;
    return { start, orig };
  };

  const pg = group(book.positions, 'positions');
  const nP = book.positions.length;
  const posInst = new Int32Array(nP);
  const posQty = new Float64Array(nP);
  const posEntry = new Float64Array(nP);
  const posIso = new Float64Array(nP);
  for (let k = 0; k < nP; k++) {
    const i = pg.orig[k]!;
    const p = book.positions[i]!;
    const inst = instrumentIndex.get(p.instrument);
    if (inst === undefined) throw new InputError(`unknown instrument ${p.instrument}`, { field: `positions[${i}].instrument` });
    posInst[k] = inst;
    posQty[k] = Number(p.quantity);
    posEntry[k] = Number(p.entryValue);
    posIso[k] = p.isolatedMargin === null ? NaN : Number(p.isolatedMargin);
    const fits =
      safe(p.quantity) && safe(p.entryValue) && (p.isolatedMargin === null || safe(p.isolatedMargin)) && !instTiers.big[inst];
    if (!fits) accountBig[accountIndex.get(p.account)!] = 1;
    if (book.instruments[inst]!.margin === 'portfolio') {
      refuseIsolatedPortfolio(p, book.instruments[inst]!, `positions[${i}].isolatedMargin`);
      accountPortfolio[accountIndex.get(p.account)!] = 1;
    }
  }
  // The fast scan margins cross-only accounts; one with an isolated position as well takes the BigInt path.
  for (let a = 0; a < nA; a++) {
    if (accountPortfolio[a] === 0) continue;
    for (let k = pg.start[a]!; k < pg.start[a + 1]!; k++) if (posIso[k] === posIso[k]) accountBig[a] = 1;
  }

  const nI = book.instruments.length;
  const sliceStart = new Int32Array(nI + 1);
  for (let k = 0; k < nP; k++) sliceStart[posInst[k]! + 1]!++;
  for (let i = 0; i < nI; i++) sliceStart[i + 1]! += sliceStart[i]!;
  const sliceFill = sliceStart.slice(0, nI);
  const sAcct = new Int32Array(nP);
  const sPos = new Int32Array(nP);
  const sQty = new Float64Array(nP);
  const sEntry = new Float64Array(nP);
  const sIso = new Float64Array(nP);
  for (let a = 0; a < nA; a++) {
    for (let k = pg.start[a]!; k < pg.start[a + 1]!; k++) {
      const j = sliceFill[posInst[k]!]!++;
      sAcct[j] = a;
      sPos[j] = k;
      sQty[j] = posQty[k]!;
      sEntry[j] = posEntry[k]!;
      sIso[j] = posIso[k]!;
    }
  }

  const cg = group(book.collateral, 'collateral');
  const nC = book.collateral.length;
  const colAsset = new Int32Array(nC);
  const colQty = new Float64Array(nC);
  for (let k = 0; k < nC; k++) {
    const i = cg.orig[k]!;
    const c = book.collateral[i]!;
    const asset = assetIndex.get(c.asset);
    if (asset === undefined) throw new InputError(`unknown asset ${c.asset}`, { field: `collateral[${i}].asset` });
    colAsset[k] = asset;
    colQty[k] = Number(c.quantity);
    if (!safe(c.quantity) || assetHaircuts.big[asset]) accountBig[accountIndex.get(c.account)!] = 1;
  }

  const step = 10 ** Math.max(0, 6 - book.policy.amountScale);
  return {
    book,
    nAccounts: nA,
    accountIndex,
    instrumentIndex,
    assetIndex,
    posStart: pg.start,
    posOrig: pg.orig,
    posInst,
    posQty,
    posEntry,
    posIso,
    sliceStart,
    sAcct,
    sPos,
    sQty,
    sEntry,
    sIso,
    colStart: cg.start,
    colOrig: cg.orig,
    colAsset,
    colQty,
    instK,
    instTiers,
    instUnitTiers,
    assetMul,
    assetDiv,
    assetHaircuts,
    accountBig,
    accountPortfolio,
    liquidationHealth: Number(book.policy.liquidationHealth),
    callOnInitial: book.policy.callTrigger === 'initial',
    amountStep: step,
  };
}

/** What the kernel reads: the columns without the book and its id maps (so a worker thread can hold them). */
export type KernelColumns = Omit<BookColumns, 'book' | 'accountIndex' | 'instrumentIndex' | 'assetIndex'>;

/** Marks and asset prices as columns in the book's instrument/asset order. */
export interface PriceColumns {
  inst: Float64Array;
  asset: Float64Array;
  /** An instrument or asset whose price does not fit the float path. */
  instBig: Uint8Array;
  assetBig: Uint8Array;
}

export function priceColumns(cols: BookColumns, marks: Map<string, bigint>, assetPrices: Map<string, bigint>): PriceColumns {
  const b = cols.book;
  const inst = new Float64Array(b.instruments.length);
  const instBig = new Uint8Array(b.instruments.length);
  b.instruments.forEach((x, i) => {
    const m = marks.get(x.id);
    if (m === undefined) throw new InputError(`no price for instrument ${x.id}`, { field: `prices.${x.id}` });
    if (m < 0n) throw new InputError(`negative price for instrument ${x.id}`, { field: `prices.${x.id}` });
    inst[i] = Number(m);
    if (!safe(m)) instBig[i] = 1;
  });
  const asset = new Float64Array(b.assets.length);
  const assetBig = new Uint8Array(b.assets.length);
  b.assets.forEach((x, i) => {
    const p = assetPrices.get(x.id);
    if (p === undefined) throw new InputError(`no price for asset ${x.id}`, { field: `assets.${x.id}.price` });
    if (p < 0n) throw new InputError(`negative price for asset ${x.id}`, { field: `assets.${x.id}.price` });
    asset[i] = Number(p);
    if (!safe(p)) assetBig[i] = 1;
  });
  return { inst, asset, instBig, assetBig };
}
