// A brute-force liquidation planner written for the tests from methodology §1, §3 and §7 alone: its own
// arithmetic (tier slices, the estimated price, fees to the cent, the settlement holding in cents), none of the
// engine's helpers. It tries every lot count, so it can disagree with the planner's search wherever the search
// skips one that works.
//
// The unit is one cross account whose cash is USD held in cents (price 1, no haircut), the shape of the demo book.

export interface OracleTier {
  floor: bigint;
  mmr: bigint;
}

export interface OracleInstrument {
  id: string;
  /** Micro-USD one lot gains when the price moves one tick: k / 10^scale (scale 0 for an ordinary instrument). */
  k: bigint;
  scale: number;
  tiers: OracleTier[];
  /** Flat slippage (ppm) or an impact table by closed notional at the mark. */
  slippage: bigint;
  impact: { floor: bigint; rate: bigint }[] | null;
  mark: bigint;
}

export interface OraclePosition {
  instrument: string;
  lots: bigint;
  entry: bigint;
}

export interface OracleAccount {
  /** USD in cents. */
  cents: bigint;
  positions: OraclePosition[];
}

export interface OraclePolicy {
  target: bigint;
  fee: bigint;
  insurance: bigint;
}

export interface OracleOrder {
  instrument: string;
  lots: bigint;
  /** Whether this close met the target (false: no lot count did, so the healthiest was taken). */
  met: boolean;
}

const PPM = 1_000_000n;
const CENT = 10_000n;

function floorDiv(n: bigint, d: bigint): bigint {
  const q = n / d;
  return q * d !== n && n < 0n ? q - 1n : q;
}
const ceilDiv = (n: bigint, d: bigint): bigint => -floorDiv(-n, d);

/** §3 as a sum of slices: each tier's rate on the part of the notional inside it, rounded up to the micro-USD. */
export function oracleMm(tiers: OracleTier[], notional: bigint): bigint {
  let sum = 0n;
  for (let i = 0; i < tiers.length; i++) {
    const lo = tiers[i]!.floor;
    const hi = i + 1 < tiers.length ? tiers[i + 1]!.floor : notional;
    const top = notional < hi ? notional : hi;
    if (top > lo) sum += (top - lo) * tiers[i]!.mmr;
  }
  return ceilDiv(sum, PPM);
}

interface State {
  cents: bigint;
  pos: Map<string, { lots: bigint; entry: bigint }>;
}

function figures(insts: Map<string, OracleInstrument>, s: State): { equity: bigint; mm: bigint } {
  let equity = s.cents * CENT;
  let mm = 0n;
  for (const [id, p] of s.pos) {
    const i = insts.get(id)!;
    equity += valueOf(i, p.lots, i.mark) - p.entry;
    mm += oracleMm(i.tiers, notionalOf(i, p.lots, i.mark));
  }
  return { equity, mm };
}

/** §1 per position: a value (what is owned or paid) rounded down, a notional (what is charged on) rounded up. */
const pow = (i: OracleInstrument): bigint => 10n ** BigInt(i.scale);
const valueOf = (i: OracleInstrument, q: bigint, price: bigint): bigint => floorDiv(q * price * i.k, pow(i));
const notionalOf = (i: OracleInstrument, q: bigint, price: bigint): bigint => ceilDiv((q < 0n ? -q : q) * price * i.k, pow(i));

const meets = (f: { equity: bigint; mm: bigint }, target: bigint): boolean => f.equity * PPM >= target * f.mm;

/** > 0 when a is healthier: no MM left is +inf at equity >= 0 and -inf below it. */
function healthier(a: { equity: bigint; mm: bigint }, b: { equity: bigint; mm: bigint }): boolean {
  const inf = (f: { equity: bigint; mm: bigint }): number => (f.mm === 0n ? (f.equity >= 0n ? 1 : -1) : 0);
  if (inf(a) !== inf(b) || inf(a) !== 0) return inf(a) > inf(b);
  return a.equity * b.mm > b.equity * a.mm;
}

/** §7's estimated price: the mark moved against the closing side, to the whole tick worse for it. */
function estimated(i: OracleInstrument, close: bigint, long: boolean): bigint {
  let rate = i.slippage;
  if (i.impact) for (const b of i.impact) if (notionalOf(i, close, i.mark) >= b.floor) rate = b.rate;
  return long ? floorDiv(i.mark * (PPM - rate), PPM) : ceilDiv(i.mark * (PPM + rate), PPM);
}

function halfEven(n: bigint, d: bigint): bigint {
  if (d < 0n) return halfEven(-n, -d);
  const q = floorDiv(n, d);
  const r2 = 2n * (n - q * d);
  if (r2 > d || (r2 === d && q % 2n !== 0n)) return q + 1n;
  return q;
}

function closed(insts: Map<string, OracleInstrument>, policy: OraclePolicy, s: State, id: string, k: bigint): State {
  const i = insts.get(id)!;
  const p = s.pos.get(id)!;
  const long = p.lots > 0n;
  const c = long ? k : -k;
  const price = estimated(i, k, long);
  const portion = c === p.lots ? p.entry : halfEven(p.entry * c, p.lots);
  const value = valueOf(i, c, price);
  const notional = notionalOf(i, c, price);
  // Fees are money demanded: each rounded up to the cent. The cash lands in cents, rounded down.
  const fees = ceilDiv(notional * policy.fee, PPM * CENT) * CENT + ceilDiv(notional * policy.insurance, PPM * CENT) * CENT;
  const cash = value - portion - fees;
  const pos = new Map(s.pos);
  if (c === p.lots) pos.delete(id);
  else pos.set(id, { lots: p.lots - c, entry: p.entry - portion });
  return { cents: s.cents + floorDiv(cash, CENT), pos };
}

/** The plan §7 asks for, found by trying every lot count of every position in turn. */
export function oraclePlan(instruments: OracleInstrument[], policy: OraclePolicy, account: OracleAccount): { orders: OracleOrder[]; equity: bigint; mm: bigint } {
  const insts = new Map(instruments.map((i) => [i.id, i]));
  let s: State = { cents: account.cents, pos: new Map(account.positions.map((p) => [p.instrument, { lots: p.lots, entry: p.entry }])) };
  const contribution = (id: string): bigint => {
    const i = insts.get(id)!;
    const q = s.pos.get(id)!.lots;
    return oracleMm(i.tiers, notionalOf(i, q, i.mark));
  };
  const queue = [...s.pos.keys()].sort((a, b) => {
    const d = contribution(b) - contribution(a);
    return d !== 0n ? (d > 0n ? 1 : -1) : a < b ? -1 : 1;
  });
  const orders: OracleOrder[] = [];
  for (const id of queue) {
    const now = figures(insts, s);
    if (meets(now, policy.target)) break;
    const q = s.pos.get(id)!.lots;
    const n = q < 0n ? -q : q;
    let pick: { k: bigint; s: State; met: boolean } | null = null;
    if (now.equity < 0n) pick = { k: n, s: closed(insts, policy, s, id, n), met: false };
    for (let k = 1n; pick === null && k <= n; k++) {
      const after = closed(insts, policy, s, id, k);
      if (meets(figures(insts, after), policy.target)) pick = { k, s: after, met: true };
    }
    if (pick === null) {
      for (let k = 1n; k <= n; k++) {
        const after = closed(insts, policy, s, id, k);
        if (pick === null || healthier(figures(insts, after), figures(insts, pick.s))) pick = { k, s: after, met: false };
      }
    }
    orders.push({ instrument: id, lots: pick!.k, met: pick!.met });
    s = pick!.s;
  }
  return { orders, ...figures(insts, s) };
}

/** Whether closing k lots of one position of the account, as it stands, meets the target (for "one lot less misses"). */
export function oracleMeetsAfter(instruments: OracleInstrument[], policy: OraclePolicy, account: OracleAccount, instrument: string, k: bigint): boolean {
  const insts = new Map(instruments.map((i) => [i.id, i]));
  const s: State = { cents: account.cents, pos: new Map(account.positions.map((p) => [p.instrument, { lots: p.lots, entry: p.entry }])) };
  return meets(figures(insts, k === 0n ? s : closed(insts, policy, s, instrument, k)), policy.target);
}
