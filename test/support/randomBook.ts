// fast-check arbitraries for random, valid Books (main/engine/model.ts), for differential tests of the integer
// kernel against the decimal.js reference (methodology §9).
//
// What a generated Book holds:
// - 1-6 instruments (future, perpetual, now and then an option; all margined 'tiered', which is all results.ts
//   defines), each with a valid tier table of 1-5 tiers, lot/tick/multiplier strings whose product x 1e6 is
//   K = lotTickValue x 10^-lotTickScale, and a mark > 0. About one in four is drawn with a fine lot and tick (lots
//   down to 1e-6, ticks down to 1e-10), so K is often a fraction of a micro-USD (a fine instrument: its holders take
//   the BigInt path, which rounds each position once) and sometimes still whole.
// - 1-3 assets: always "USD" (quantityScale 6, priceScale 0, price 1, no haircut: it lets the generator put an
//   account's equity exactly on a threshold), plus 0-2 others with random scales, prices and haircut brackets.
//   Some carry a collateral policy (class minimum, daily volume, concentration steps) compiled into their schedule.
// - 1-20 accounts (cross or isolated mode), 0-8 positions each (at most one per account+instrument, so at most the
//   number of instruments), isolated accounts' positions carrying an isolatedMargin, cross accounts' none;
//   0-3 collateral rows each (at most one per asset), rarely with a negative quantity (a cash debit).
// - Now and then an account whose cross equity (or an isolated position whose equity) is snapped exactly onto
//   MM, IM, the liquidation-health threshold, 0, or one micro below one of these, so the comparisons at the edges
//   are exercised.
// - positions and collateral rows in a shuffled order (not grouped by account).
//
// Range: with `huge: true` single values reach ~1e17-1e18 micro-USD (results far beyond 2^53), but the inputs are
// bounded so that every result and every partial sum of them stays inside int64. Per position: notional <= POS_CAP,
// |entryValue| <= POS_CAP (so |upnl| <= 2 POS_CAP), isolatedMargin <= 3 POS_CAP; at most 6 positions per account
// (one per instrument). Per collateral row |gross| <= COL_CAP, except a snapped USD row, which is at most
// sum IM + sum |upnl| + sum |other rows| <= (6 + 12) POS_CAP + 2 COL_CAP. With POS_CAP = 1.5e17 and COL_CAP = 4e17
// the magnitudes of all the terms of one account add up to < 6.2e18 and any call amount to < 7.6e18 (int64 max is
// 9.22e18).
// Intermediate products (notional x rate, equity x 1e6, ...) do leave int64: the kernel must handle that exactly.
import fc from 'fast-check';
import type { Account, Asset, Book, Bracket, Collateral, Instrument, InstrumentKind, Policy, Position, Tier } from '../../main/engine/model.ts';
import { DEFAULT_POLICY } from '../../main/engine/model.ts';
import { RATE_ONE, divRound, formatUnits } from '../../shared/units.ts';
import { bracketAmount, tieredRequirement } from '../../main/engine/tierMath.ts';
import { effectiveHaircuts, type ConcentrationStep, type HaircutBasis } from '../../main/engine/haircutRules.ts';

export interface ArbBookOptions {
  huge?: boolean;
}

interface Config {
  posCap: bigint;
  colCap: bigint;
  markMax: bigint;
  floorStepMax: bigint;
}

const NORMAL: Config = { posCap: 10n ** 13n, colCap: 2n * 10n ** 13n, markMax: 10n ** 7n, floorStepMax: 4n * 10n ** 12n };
const HUGE: Config = {
  posCap: 15n * 10n ** 16n,
  colCap: 4n * 10n ** 17n,
  markMax: 10n ** 12n,
  floorStepMax: 6n * 10n ** 16n,
};

/** The USD cash asset every generated book has. */
export const USD_ASSET = 'USD';

const U = 1_000_000_000_000n; // resolution of the "fraction" draws

/** A fraction u/U of a range [lo, hi], lo <= hi. */
function scale(lo: bigint, hi: bigint, u: bigint): bigint {
  if (hi <= lo) return lo;
  return lo + ((hi - lo) * u) / U;
}

const arbFrac = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: U }) },
  { weight: 1, arbitrary: fc.constantFrom(0n, U, U - 1n, 1n) },
  { weight: 1, arbitrary: fc.bigInt({ min: U - U / 100n, max: U }) },
);

const arbRateStep = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(0n, 1_000n, 2_500n, 4_000n, 5_000n, 10_000n, 50_000n) },
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 60_000n }) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 600_000n }) },
);

/** A valid tier table (validateTiers returns null): 1-5 tiers, floor steps up to `floorStepMax` micro-USD. */
export function arbTiers(floorStepMax: bigint): fc.Arbitrary<Tier[]> {
  const step = fc.oneof(
    { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 1_000_000n }) },
    { weight: 3, arbitrary: fc.bigInt({ min: 1n, max: floorStepMax > 1n ? floorStepMax : 1n }) },
  );
  return fc
    .integer({ min: 1, max: 5 })
    .chain((n) =>
      fc.tuple(
        fc.array(step, { minLength: n - 1, maxLength: n - 1 }),
        fc.array(fc.tuple(arbRateStep, arbRateStep), { minLength: n, maxLength: n }),
      ),
    )
    .map(([steps, rateSteps]) => {
      const tiers: Tier[] = [];
      let floor = 0n;
      let mmr = 0n;
      let imr = 0n;
      for (let i = 0; i < rateSteps.length; i++) {
        if (i > 0) floor += steps[i - 1] as bigint;
        const [dm, di] = rateSteps[i] as [bigint, bigint];
        mmr += dm;
        imr = (imr > mmr ? imr : mmr) + di;
        // Clamping at 1 keeps both sequences non-decreasing and mmr <= imr.
        tiers.push({ floor, mmr: mmr > RATE_ONE ? RATE_ONE : mmr, imr: imr > RATE_ONE ? RATE_ONE : imr });
      }
      return tiers;
    });
}

/** A valid haircut schedule: 1-4 brackets, rates within [0, 1] and non-decreasing. */
export function arbBrackets(floorStepMax: bigint): fc.Arbitrary<Bracket[]> {
  return arbTiers(floorStepMax).map((tiers) => tiers.map((t) => ({ floor: t.floor, rate: t.mmr })).slice(0, 4));
}

const arbPolicy: fc.Arbitrary<Policy> = fc
  .record({
    callTrigger: fc.constantFrom('maintenance' as const, 'initial' as const),
    liquidationHealth: fc.oneof(
      fc.constantFrom(800_000n, 1_000_000n, 500_000n, 0n, 999_999n),
      fc.bigInt({ min: 0n, max: 2_000_000n }),
    ),
    amountScale: fc.integer({ min: 0, max: 6 }),
  })
  .map((p) => ({ ...DEFAULT_POLICY, ...p }));

interface InstrumentSpec {
  kind: InstrumentKind;
  lotExp: number; // lot = 10^-lotExp
  tickMant: number; // tick = tickMant x 10^-tickExp
  tickExp: number;
  multiplier: number;
  tiers: Tier[];
  markSmall: boolean;
  markU: bigint;
  right: 'call' | 'put';
  /** Jitter of an entry value on a fine instrument (its lot-tick is below one micro-USD). */
  fineJitter: bigint;
}

function arbInstrumentSpec(cfg: Config): fc.Arbitrary<InstrumentSpec> {
  return fc
    .record({
      kind: fc.constantFrom<InstrumentKind>('perpetual', 'perpetual', 'future', 'future', 'option'),
      lotExp: fc.integer({ min: 0, max: 3 }),
      tickMant: fc.oneof(fc.constantFrom(1, 5, 25), fc.integer({ min: 1, max: 99 })),
      tickExp: fc.integer({ min: 0, max: 3 }),
      multiplier: fc.oneof(fc.constantFrom(1, 1, 10, 100), fc.integer({ min: 1, max: 50 })),
      tiers: arbTiers(cfg.floorStepMax),
      markSmall: fc.boolean(),
      markU: arbFrac,
      right: fc.constantFrom<'call' | 'put'>('call', 'put'),
      fine: fc.integer({ min: 0, max: 3 }),
      fineLotExp: fc.integer({ min: 0, max: 6 }),
      fineTickExp: fc.integer({ min: 2, max: 10 }),
      fineJitter: fc.bigInt({ min: 0n, max: 999n }),
    })
    .map(({ fine, fineLotExp, fineTickExp, ...s }) => ({
      ...s,
      ...(fine === 0 ? { lotExp: fineLotExp, tickExp: fineTickExp } : {}),
      markSmall: s.markSmall && s.markU % 4n === 0n,
    }));
}

interface AssetSpec {
  quantityScale: number;
  priceScale: number;
  priceU: bigint;
  haircuts: Bracket[];
  /** A collateral policy over the schedule (class minimum, daily volume, concentration steps), or none. */
  policy: { classMinimum: bigint; dailyVolume: bigint | null; concentration: ConcentrationStep[] } | null;
}

/** Concentration steps: ratios strictly increasing (ppm of a day's volume), add-ons non-decreasing within [0, 1]. */
const arbConcentration: fc.Arbitrary<ConcentrationStep[]> = fc
  .array(fc.record({ ratio: fc.bigInt({ min: 1n, max: 800_000n }), addOn: fc.bigInt({ min: 0n, max: 600_000n }) }), { maxLength: 3 })
  .map((steps) => {
    let ratio = 0n;
    let addOn = 0n;
    return steps.map((s) => {
      ratio += s.ratio;
      addOn += s.addOn;
      return { ratio, addOn: addOn > RATE_ONE ? RATE_ONE : addOn };
    });
  });

function arbAssetSpec(cfg: Config): fc.Arbitrary<AssetSpec> {
  return fc.record({
    quantityScale: fc.integer({ min: 0, max: 8 }),
    priceScale: fc.integer({ min: 0, max: 8 }),
    priceU: arbFrac,
    haircuts: arbBrackets(cfg.colCap / 4n),
    policy: fc.option(
      fc.record({
        classMinimum: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: RATE_ONE })),
        dailyVolume: fc.option(fc.bigInt({ min: 1n, max: cfg.colCap * 2n }), { nil: null }),
        concentration: arbConcentration,
      }),
      { nil: null },
    ),
  });
}

type Snap = 'none' | 'mm' | 'mm-1' | 'im' | 'im-1' | 'lh' | 'lh-1' | 'zero' | 'minus1';
const arbSnap: fc.Arbitrary<Snap> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Snap>('none') },
  { weight: 2, arbitrary: fc.constantFrom<Snap>('mm', 'mm-1', 'im', 'im-1', 'lh', 'lh-1', 'zero', 'minus1') },
);

interface PositionSpec {
  instrPick: number;
  short: boolean;
  sizeMode: 'small' | 'scaled' | 'max';
  sizeSmall: bigint;
  sizeU: bigint;
  entryMode: 'atMark' | 'near' | 'uniform';
  nearPpm: bigint;
  entryU: bigint;
  jitterU: bigint;
  isoPpm: bigint;
  isoSnap: Snap;
}

const arbPositionSpec: fc.Arbitrary<PositionSpec> = fc.record({
  instrPick: fc.nat({ max: 1000 }),
  short: fc.boolean(),
  sizeMode: fc.constantFrom<'small' | 'scaled' | 'max'>('small', 'scaled', 'scaled', 'max'),
  sizeSmall: fc.bigInt({ min: 1n, max: 1000n }),
  sizeU: arbFrac,
  entryMode: fc.constantFrom<'atMark' | 'near' | 'uniform'>('atMark', 'near', 'near', 'uniform'),
  nearPpm: fc.bigInt({ min: -500_000n, max: 500_000n }),
  entryU: arbFrac,
  jitterU: arbFrac,
  isoPpm: fc.oneof(fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 0n, max: 1_000_000n })),
  isoSnap: arbSnap,
});

interface CollateralSpec {
  assetPick: number;
  mode: 'relative' | 'uniform' | 'negative';
  ppm: bigint;
  u: bigint;
}

const arbCollateralSpec: fc.Arbitrary<CollateralSpec> = fc.record({
  assetPick: fc.nat({ max: 1000 }),
  mode: fc.oneof(
    { weight: 5, arbitrary: fc.constant<'relative'>('relative') },
    { weight: 3, arbitrary: fc.constant<'uniform'>('uniform') },
    { weight: 1, arbitrary: fc.constant<'negative'>('negative') },
  ),
  ppm: fc.oneof(fc.bigInt({ min: 0n, max: 60_000n }), fc.bigInt({ min: 0n, max: 1_000_000n })),
  u: arbFrac,
});

interface AccountSpec {
  isolated: boolean;
  kind: 'house' | 'client';
  member: number;
  positions: PositionSpec[];
  collateral: CollateralSpec[];
  snap: Snap;
}

const arbAccountSpec: fc.Arbitrary<AccountSpec> = fc.record({
  isolated: fc.oneof({ weight: 3, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  kind: fc.constantFrom<'house' | 'client'>('house', 'client'),
  member: fc.nat({ max: 3 }),
  positions: fc.array(arbPositionSpec, { minLength: 0, maxLength: 8 }),
  collateral: fc.array(arbCollateralSpec, { minLength: 0, maxLength: 3 }),
  snap: arbSnap,
});

function snapTarget(snap: Snap, mm: bigint, im: bigint, lh: bigint): bigint | null {
  const lhEdge = divRound(lh * mm, RATE_ONE, 'ceil');
  switch (snap) {
    case 'none':
      return null;
    case 'mm':
      return mm;
    case 'mm-1':
      return mm - 1n;
    case 'im':
      return im;
    case 'im-1':
      return im - 1n;
    case 'lh':
      return lhEdge;
    case 'lh-1':
      return lhEdge - 1n;
    case 'zero':
      return 0n;
    case 'minus1':
      return -1n;
  }
}

/** The most lots a generated position holds. */
const Q_CAP = 10n ** 15n;

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function buildBook(
  cfg: Config,
  policy: Policy,
  instrSpecs: InstrumentSpec[],
  assetSpecs: AssetSpec[],
  accountSpecs: AccountSpec[],
  posOrder: number[],
  colOrder: number[],
): Book {
  const instruments: Instrument[] = [];
  const marks = new Map<string, bigint>();
  instrSpecs.forEach((s, i) => {
    const id = `I${i}`;
    // K = multiplier x tickMant x 10^exp micro-USD, a fraction when exp < 0: lotTickValue x 10^-lotTickScale in its
    // canonical form (no trailing zero at a scale above 0).
    const exp = 6 - s.lotExp - s.tickExp;
    let lotTickValue = BigInt(s.multiplier) * BigInt(s.tickMant) * pow10(exp > 0 ? exp : 0);
    let lotTickScale = exp < 0 ? -exp : 0;
    while (lotTickScale > 0 && lotTickValue % 10n === 0n) {
      lotTickValue /= 10n;
      lotTickScale--;
    }
    const markMax0 = (cfg.posCap * pow10(lotTickScale)) / lotTickValue;
    const markMax = markMax0 < cfg.markMax ? markMax0 : cfg.markMax;
    const mark = s.markSmall ? 1n + (s.markU % 100n < markMax ? s.markU % 100n : 0n) : scale(1n, markMax, s.markU);
    marks.set(id, mark);
    instruments.push({
      id,
      kind: s.kind,
      underlying: `U${i % 3}`,
      multiplier: String(s.multiplier),
      lot: formatUnits(1n, s.lotExp),
      tick: formatUnits(BigInt(s.tickMant), s.tickExp),
      lotTickValue,
      lotTickScale,
      margin: 'tiered',
      tiers: s.tiers,
      slippage: 0n,
      expiry: s.kind === 'perpetual' ? null : '2030-12-31T00:00:00Z',
      option:
        s.kind === 'option'
          ? { right: s.right, strike: mark, underlyingInstrument: null, shortOptionMinimum: 0n }
          : null,
      priceBand: null,
    });
  });

  const assets: Asset[] = [
    { id: USD_ASSET, quantityScale: 6, priceScale: 0, haircuts: [{ floor: 0n, rate: 0n }], liquidityClass: 'cash' },
  ];
  const assetPrices = new Map<string, bigint>([[USD_ASSET, 1n]]);
  assetSpecs.forEach((s, i) => {
    const id = `X${i}`;
    const asset: Asset = { id, quantityScale: s.quantityScale, priceScale: s.priceScale, haircuts: s.haircuts, liquidityClass: 'other' };
    if (s.policy) {
      // The engine evaluates the schedule the production compile makes; the reference reads the basis itself.
      const haircutBasis: HaircutBasis = { ...s.policy, schedule: s.haircuts, liquidityClass: 'other', classKey: 'classHaircut:other', volumeKey: `dailyVolume:${id}`, policyVersion: 1 };
      const compiled = effectiveHaircuts(id, haircutBasis);
      Object.assign(asset, { haircuts: compiled.brackets, haircutBasis, haircutRules: compiled.rules });
    }
    assets.push(asset);
    // Price from 10^-priceScale up to 1e6 USD.
    assetPrices.set(id, scale(1n, pow10(s.priceScale + 6), s.priceU));
  });

  const accounts: Account[] = [];
  const positions: Position[] = [];
  const collateral: Collateral[] = [];

  accountSpecs.forEach((a, ai) => {
    const id = `A${ai}`;
    accounts.push({ id, member: `M${a.member}`, kind: a.kind, mode: a.isolated ? 'isolated' : 'cross' });
    const usedInstr = new Set<number>();
    let crossUpnl = 0n;
    let crossMm = 0n;
    let crossIm = 0n;
    let sumNotional = 0n;
    for (const p of a.positions) {
      const ii = p.instrPick % instruments.length;
      if (usedInstr.has(ii)) continue;
      usedInstr.add(ii);
      const inst = instruments[ii] as Instrument;
      // K = Kn / Kd. Quantities stay below 10^15 lots however fine the instrument (they are int64 in the ledger).
      const Kn = inst.lotTickValue;
      const Kd = pow10(inst.lotTickScale);
      const mark = marks.get(inst.id) as bigint;
      const qMax0 = (cfg.posCap * Kd) / (mark * Kn); // >= 1 by the choice of mark
      const qMax = qMax0 < Q_CAP ? qMax0 : Q_CAP;
      let qAbs: bigint;
      if (p.sizeMode === 'small') qAbs = p.sizeSmall < qMax ? p.sizeSmall : qMax;
      else if (p.sizeMode === 'max') qAbs = qMax;
      else qAbs = scale(1n, qMax, p.sizeU);
      const q = p.short ? -qAbs : qAbs;
      const entryMax = (cfg.posCap * Kd) / (qAbs * Kn); // >= mark
      let entryTicks: bigint;
      if (p.entryMode === 'atMark') entryTicks = mark;
      else if (p.entryMode === 'near') entryTicks = mark + (mark * p.nearPpm) / RATE_ONE;
      else entryTicks = scale(1n, entryMax, p.entryU);
      if (entryTicks < 1n) entryTicks = 1n;
      if (entryTicks > entryMax) entryTicks = entryMax;
      // An average entry price need not be a whole number of ticks: add a jitter of less than one lot-tick (of up
      // to 999 micro-USD on a fine instrument, whose lot-tick is less than one).
      const jitterMax = Kd === 1n ? Kn - 1n : instrSpecs[ii]!.fineJitter;
      let entryAbs = (qAbs * entryTicks * Kn) / Kd + (p.entryMode === 'atMark' ? 0n : scale(0n, jitterMax, p.jitterU));
      if (entryAbs > cfg.posCap) entryAbs = cfg.posCap;
      const entryValue = p.short ? -entryAbs : entryAbs;
      // Each position's money rounded once (results.ts): notional up, signed value down.
      const notional = divRound(qAbs * mark * Kn, Kd, 'ceil');
      const upnl = divRound(q * mark * Kn, Kd, 'floor') - entryValue;
      const req = tieredRequirement(inst.tiers, notional);
      sumNotional += notional;
      let isolatedMargin: bigint | null = null;
      if (a.isolated) {
        isolatedMargin = (notional * p.isoPpm) / RATE_ONE;
        const t = snapTarget(p.isoSnap, req.mm, req.im, policy.liquidationHealth);
        if (t !== null && t - upnl >= 0n) isolatedMargin = t - upnl;
      } else {
        crossUpnl += upnl;
        crossMm += req.mm;
        crossIm += req.im;
      }
      positions.push({ account: id, instrument: inst.id, quantity: q, entryValue, isolatedMargin });
    }

    const usedAsset = new Set<number>();
    const rows: Collateral[] = [];
    let otherValue = 0n;
    for (const c of a.collateral) {
      const ai2 = c.assetPick % assets.length;
      if (usedAsset.has(ai2)) continue;
      usedAsset.add(ai2);
      const asset = assets[ai2] as Asset;
      const price = assetPrices.get(asset.id) as bigint;
      let target: bigint;
      if (c.mode === 'relative') target = (sumNotional * c.ppm) / RATE_ONE + scale(0n, 1_000_000_000n, c.u);
      else if (c.mode === 'uniform') target = scale(0n, cfg.colCap, c.u);
      else target = -scale(0n, cfg.colCap / (c.u % 2n === 0n ? 1n : 1000n), c.u);
      if (target > cfg.colCap) target = cfg.colCap;
      // gross = floor(quantity x price x 1e6 / 10^(qs + ps)); pick the quantity whose gross is nearest |target|.
      const den = pow10(asset.quantityScale + asset.priceScale);
      const quantity = (target * den) / (price * 1_000_000n);
      rows.push({ account: id, asset: asset.id, quantity });
      if (asset.id !== USD_ASSET) {
        const gross = divRound(quantity * price * 1_000_000n, den, 'floor');
        otherValue += gross > 0n ? gross - bracketAmount(asset.haircuts, gross) : gross;
      }
    }
    // Snap the cross equity onto a threshold through the USD row (no haircut, gross = quantity).
    const t = snapTarget(a.snap, crossMm, crossIm, policy.liquidationHealth);
    if (t !== null) {
      const usd = t - crossUpnl - otherValue;
      const k = rows.findIndex((r) => r.asset === USD_ASSET);
      if (k >= 0) (rows[k] as Collateral).quantity = usd;
      else rows.push({ account: id, asset: USD_ASSET, quantity: usd });
    }
    collateral.push(...rows);
  });

  const shuffle = <T>(xs: T[], order: number[]): T[] => {
    // `order` is a permutation of 0..N-1 for some N >= xs.length; keep the indices that fall inside xs.
    const out = order.filter((i) => i < xs.length).map((i) => xs[i] as T);
    return out.length === xs.length ? out : xs;
  };

  return {
    policy,
    instruments,
    assets,
    accounts,
    positions: shuffle(positions, posOrder),
    collateral: shuffle(collateral, colOrder),
    marks,
    assetPrices,
  };
}

const MAX_POSITIONS = 20 * 6;
const MAX_COLLATERAL = 20 * 3;
const indices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** A random valid Book (see the header of this file). */
export function arbBook(opts: ArbBookOptions = {}): fc.Arbitrary<Book> {
  const cfg = opts.huge ? HUGE : NORMAL;
  return fc
    .record({
      policy: arbPolicy,
      instruments: fc.array(arbInstrumentSpec(cfg), { minLength: 1, maxLength: 6 }),
      assets: fc.array(arbAssetSpec(cfg), { minLength: 0, maxLength: 2 }),
      accounts: fc.array(arbAccountSpec, { minLength: 1, maxLength: 20 }),
      posOrder: fc.oneof(
        fc.constant(indices(MAX_POSITIONS)),
        fc.shuffledSubarray(indices(MAX_POSITIONS), { minLength: MAX_POSITIONS, maxLength: MAX_POSITIONS }),
      ),
      colOrder: fc.oneof(
        fc.constant(indices(MAX_COLLATERAL)),
        fc.shuffledSubarray(indices(MAX_COLLATERAL), { minLength: MAX_COLLATERAL, maxLength: MAX_COLLATERAL }),
      ),
    })
    .map((r) => buildBook(cfg, r.policy, r.instruments, r.assets, r.accounts, r.posOrder, r.colOrder));
}
