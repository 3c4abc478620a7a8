// The reference evaluation: a deliberately plain decimal.js implementation of results.ts, used as the test
// oracle for the integer kernel (evaluate.ts). It shares no arithmetic with the kernel or tierMath.ts: every
// bigint input becomes a Decimal at the start, every formula of results.ts is written out as it reads, and a
// Decimal becomes a bigint only at the end, after checking it is a whole number inside int64.
//
// Clarity and independence come first; the only concessions to speed are that rows are grouped by account once and
// each tier table is turned into Decimals once (the bench runs this on the whole demo book).
import { Decimal as DecimalJs } from 'decimal.js';
import type { Account, Asset, Book, Collateral, Position, AccountStatus } from '../../main/engine/model.ts';
import type { HaircutBasis } from '../../main/engine/haircutRules.ts';
import type { AccountResult, PositionResult, UnitResult } from '../../main/engine/results.ts';
import { STATUS_RANK } from '../../main/engine/results.ts';
import { INT64_MAX, INT64_MIN, UnitError } from '../../shared/units.ts';

// A local clone: no global Decimal setting leaks in or out. Every input is an int64 and no product below has more
// than three int64 factors (< 1e57), so 100 significant digits hold every intermediate exactly: no operation
// rounds except the ceil/floor that results.ts asks for (and divisions by powers of ten are exact).
const D = DecimalJs.clone({ precision: 100, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });
type D = InstanceType<typeof D>;

const MILLION = new D(1_000_000);

function dec(v: bigint): D {
  return new D(v.toString());
}

function toBig(d: D, what: string): bigint {
  if (!d.isFinite() || !d.isInteger()) throw new Error(`reference: ${what} is not a whole number: ${d.toString()}`);
  const v = BigInt(d.toFixed(0));
  if (v > INT64_MAX || v < INT64_MIN) throw new UnitError(what, `value is outside the exact range (+-${INT64_MAX} units)`);
  return v;
}

/** ceil(x / 1e6) */
function ceilMillionths(x: D): D {
  return x.div(MILLION).ceil();
}

/** A table of (floor, rate) rows (tiers or haircut brackets) with its cumulative amounts, in Decimal. */
interface Table {
  floors: D[];
  rates: D[];
  /** cum_1 = 0, cum_n = floor_n x (rate_n - rate_{n-1}) + cum_{n-1}, in micro x ppm. */
  cums: D[];
}

function table(rows: { floor: bigint; rate: bigint }[]): Table {
  const floors = rows.map((r) => dec(r.floor));
  const rates = rows.map((r) => dec(r.rate));
  const cums: D[] = [];
  for (let i = 0; i < rows.length; i++) {
    cums.push(i === 0 ? new D(0) : floors[i]!.mul(rates[i]!.sub(rates[i - 1]!)).add(cums[i - 1]!));
  }
  return { floors, rates, cums };
}

/** ceil((value x rate_n - cum_n) / 1e6), with n the last row whose floor <= value. */
function bracketed(t: Table, value: D): D {
  if (t.floors.length === 0) return new D(0);
  let n = 0;
  for (let i = 0; i < t.floors.length; i++) if (t.floors[i]!.lte(value)) n = i;
  return ceilMillionths(value.mul(t.rates[n]!).sub(t.cums[n]!));
}

/**
 * The haircut of a holding of gross value G under a collateral policy, as docs/collateral-haircuts.md states it: the
 * rate at holding value x is min(1, max(schedule rate at x, class minimum) + add-on of the last concentration step
 * whose threshold floor(ratio x daily volume) <= x), and the haircut is that rate integrated from 0 to G, rounded up
 * to the micro-dollar. Walked piece by piece over every floor and threshold, in Decimal.
 */
function basisHaircut(b: HaircutBasis, gross: D): D {
  const fraction = (ppm: bigint): D => dec(ppm).div(MILLION);
  const thresholds =
    b.dailyVolume === null
      ? []
      : b.concentration.map((s) => ({ at: fraction(s.ratio).mul(dec(b.dailyVolume!)).floor(), addOn: fraction(s.addOn) }));
  const rateAt = (x: D): D => {
    let schedule = new D(0);
    for (const r of b.schedule) if (dec(r.floor).lte(x)) schedule = fraction(r.rate);
    let addOn = new D(0);
    for (const t of thresholds) if (t.at.lte(x)) addOn = t.addOn;
    return D.min(1, D.max(schedule, fraction(b.classMinimum)).add(addOn));
  };
  const points = [...b.schedule.map((r) => dec(r.floor)), ...thresholds.map((t) => t.at)].filter((x) => x.lt(gross));
  points.push(new D(0), gross);
  points.sort((x, y) => x.cmp(y));
  let haircut = new D(0);
  for (let i = 0; i + 1 < points.length; i++) haircut = haircut.add(points[i + 1]!.sub(points[i]!).mul(rateAt(points[i]!)));
  return haircut.ceil();
}

function statusOf(equity: D, mm: D, im: D, liquidationHealth: D): AccountStatus {
  if (equity.lt(0)) return 'bankrupt';
  if (mm.gt(0) && equity.mul(MILLION).lt(liquidationHealth.mul(mm))) return 'liquidation';
  if (equity.lt(mm)) return 'call';
  if (equity.lt(im)) return 'warning';
  return 'healthy';
}

function worse(a: AccountStatus, b: AccountStatus): AccountStatus {
  return STATUS_RANK[b] > STATUS_RANK[a] ? b : a;
}

interface InstrumentTables {
  K: D;
  mm: Table;
  im: Table;
}

interface Context {
  book: Book;
  instruments: Map<string, InstrumentTables>;
  assets: Map<string, { asset: Asset; haircuts: Table }>;
  lh: D;
  useIm: boolean;
}

/** Evaluates every account of the book, in book.accounts order, following results.ts to the unit. */
export function referenceEvaluate(book: Book): AccountResult[] {
  const instruments = new Map<string, InstrumentTables>();
  for (const i of book.instruments) {
    instruments.set(i.id, {
      // K = lotTickValue x 10^-lotTickScale micro-USD per lot per tick (a fraction for a fine instrument).
      K: dec(i.lotTickValue).div(new D(10).pow(i.lotTickScale)),
      mm: table(i.tiers.map((t) => ({ floor: t.floor, rate: t.mmr }))),
      im: table(i.tiers.map((t) => ({ floor: t.floor, rate: t.imr }))),
    });
  }
  const assets = new Map<string, { asset: Asset; haircuts: Table }>();
  for (const a of book.assets) assets.set(a.id, { asset: a, haircuts: table(a.haircuts) });
  const ctx: Context = {
    book,
    instruments,
    assets,
    lh: dec(book.policy.liquidationHealth),
    useIm: book.policy.callTrigger === 'initial',
  };
  // Each account's rows, in book order.
  const positionsOf = new Map<string, Position[]>();
  const collateralOf = new Map<string, Collateral[]>();
  for (const a of book.accounts) {
    positionsOf.set(a.id, []);
    collateralOf.set(a.id, []);
  }
  for (const p of book.positions) {
    const rows = positionsOf.get(p.account);
    if (!rows) throw new Error(`reference: a position of unknown account ${p.account}`);
    rows.push(p);
  }
  for (const c of book.collateral) {
    const rows = collateralOf.get(c.account);
    if (!rows) throw new Error(`reference: collateral of unknown account ${c.account}`);
    rows.push(c);
  }
  return book.accounts.map((a) => evaluateAccount(ctx, a, positionsOf.get(a.id)!, collateralOf.get(a.id)!));
}

function evaluateAccount(ctx: Context, account: Account, positionRows: Position[], collateralRows: Collateral[]): AccountResult {
  const { book, lh, useIm } = ctx;

  // Collateral.
  let collateralValue = new D(0);
  for (const c of collateralRows) {
    const a = ctx.assets.get(c.asset);
    if (!a) throw new Error(`reference: unknown asset ${c.asset}`);
    const price = book.assetPrices.get(c.asset);
    if (price === undefined) throw new Error(`reference: no price for asset ${c.asset}`);
    // gross = floor(quantity x price x 10^6 / 10^(quantityScale + priceScale))
    const gross = dec(c.quantity)
      .mul(dec(price))
      .mul(MILLION)
      .div(new D(10).pow(a.asset.quantityScale + a.asset.priceScale))
      .floor();
    // A holding (gross > 0) takes its haircut, bracketed by gross; a debit is taken as it is.
    // With a collateral policy, the haircut follows that policy's rule, not the schedule compiled from it.
    const haircut = (g: D) => (a.asset.haircutBasis ? basisHaircut(a.asset.haircutBasis, g) : bracketed(a.haircuts, g));
    const value = gross.gt(0) ? gross.sub(haircut(gross)) : gross;
    collateralValue = collateralValue.add(value);
  }

  // Positions.
  let crossEquity = collateralValue;
  let crossMm = new D(0);
  let crossIm = new D(0);
  let status: AccountStatus = 'healthy';
  let needCall = false;
  let callSum = new D(0);
  const positions: PositionResult[] = [];

  for (const p of positionRows) {
    const r = evaluatePosition(ctx, p);
    if (p.isolatedMargin === null) {
      crossEquity = crossEquity.add(r.upnl);
      crossMm = crossMm.add(r.mm);
      crossIm = crossIm.add(r.im);
      positions.push(positionResult(p, r, null));
    } else {
      // An isolated position is its own margin unit.
      const equity = dec(p.isolatedMargin).add(r.upnl);
      const unitStatus = statusOf(equity, r.mm, r.im, lh);
      status = worse(status, unitStatus);
      if (equity.lt(useIm ? r.im : r.mm)) {
        needCall = true;
        callSum = callSum.add(r.im.sub(equity));
      }
      const unit: UnitResult = {
        equity: toBig(equity, `isolated equity of ${p.account}/${p.instrument}`),
        mm: toBig(r.mm, `mm of ${p.account}/${p.instrument}`),
        im: toBig(r.im, `im of ${p.account}/${p.instrument}`),
        status: unitStatus,
      };
      positions.push(positionResult(p, r, unit));
    }
  }

  // The cross part is a unit too (also when it holds nothing).
  status = worse(status, statusOf(crossEquity, crossMm, crossIm, lh));
  if (crossEquity.lt(useIm ? crossIm : crossMm)) {
    needCall = true;
    callSum = callSum.add(crossIm.sub(crossEquity));
  }

  let callAmount: bigint | null = null;
  if (needCall) {
    // Sum over the units first, then round up to the policy's amount scale (the result stays in micro-USD).
    const step = new D(10).pow(6 - Math.min(6, book.policy.amountScale));
    callAmount = toBig(callSum.div(step).ceil().mul(step), `call amount of ${account.id}`);
  }

  return {
    id: account.id,
    collateralValue: toBig(collateralValue, `collateral value of ${account.id}`),
    equity: toBig(crossEquity, `equity of ${account.id}`),
    mm: toBig(crossMm, `mm of ${account.id}`),
    im: toBig(crossIm, `im of ${account.id}`),
    status,
    callAmount,
    positions,
  };
}

interface PositionFigures {
  notional: D;
  upnl: D;
  mm: D;
  im: D;
}

function evaluatePosition(ctx: Context, p: Position): PositionFigures {
  const inst = ctx.instruments.get(p.instrument);
  if (!inst) throw new Error(`reference: unknown instrument ${p.instrument}`);
  const markBig = ctx.book.marks.get(p.instrument);
  if (markBig === undefined) throw new Error(`reference: no mark for ${p.instrument}`);
  const q = dec(p.quantity);
  const mark = dec(markBig);
  // notional = |q| x mark x K; upnl = q x mark x K - entryValue. Where K has a fraction of a micro-USD, each
  // position's money is rounded once, as methodology §1 directs: the notional (requirements are money demanded) up,
  // the signed value down (equity never overstated). For a whole K both are already whole and nothing changes.
  const notional = q.abs().mul(mark).mul(inst.K).ceil();
  const upnl = q.mul(mark).mul(inst.K).floor().sub(dec(p.entryValue));
  // MM, IM = ceil((notional x rate_n - cum_n) / 1e6), tier n chosen by the notional.
  const mm = bracketed(inst.mm, notional);
  const im = bracketed(inst.im, notional);
  return { notional, upnl, mm, im };
}

function positionResult(p: Position, r: PositionFigures, isolated: UnitResult | null): PositionResult {
  const what = `${p.account}/${p.instrument}`;
  return {
    instrument: p.instrument,
    quantity: p.quantity,
    notional: toBig(r.notional, `notional of ${what}`),
    upnl: toBig(r.upnl, `upnl of ${what}`),
    mm: toBig(r.mm, `mm of ${what}`),
    im: toBig(r.im, `im of ${what}`),
    isolated,
  };
}
