// Auto-deleveraging (methodology §8.2, BitMEX): rank the positions opposing a bankrupt one and close them, highest
// rank first, at the bankrupt position's bankruptcy price until its size is covered. Pure and exact: prices are
// bigint counts of one common price unit, quantities of one common quantity unit, and ranks are compared as exact
// rationals by cross-multiplication (no float decides the order); equal ranks go to the smaller account id.
import { InputError } from '../../shared/errors.ts';

export interface AdlCandidate {
  account: string;
  /** Signed: positive long, negative short. */
  quantity: bigint;
  entryPrice: bigint;
  bankruptcyPrice: bigint;
}

export interface AdlCase {
  mark: bigint;
  bankrupt: { account: string; quantity: bigint; bankruptcyPrice: bigint };
  candidates: readonly AdlCandidate[];
}

/** An exact rank: num / den with den > 0, or +infinity. */
export type Rank = { infinite: true } | { infinite: false; num: bigint; den: bigint };

export interface AdlClose {
  account: string;
  /** How much of the candidate's position is closed (positive, at most |quantity|). */
  quantity: bigint;
  price: bigint;
}

export interface AdlResult {
  /** Every candidate, first to be closed first. */
  ranking: { account: string; rank: Rank }[];
  closes: AdlClose[];
  /** The part of the bankrupt position the candidates could not cover. */
  unfilled: bigint;
}

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const sign = (x: bigint): bigint => (x < 0n ? -1n : 1n);

/**
 * The BitMEX rank of one position at `mark`: PNL% = (markValue - entryValue) / |entryValue|,
 * effectiveLeverage = |markValue| / (markValue - bankruptValue); PNL% x leverage when PNL% > 0, else PNL% / leverage.
 * The quantity cancels out of both ratios, leaving PNL% = side(mark - entry) / entry and
 * leverage = mark / (side(mark - bankruptcyPrice)). At the bankruptcy price (markValue = bankruptValue) the
 * leverage is infinite: the rank is +infinity when PNL% > 0 and 0 otherwise (the limit of PNL% / leverage).
 * Needs mark > 0, entry > 0, and the position not past its bankruptcy price.
 */
export function adlRank(mark: bigint, p: Pick<AdlCandidate, 'quantity' | 'entryPrice' | 'bankruptcyPrice'>): Rank {
  const s = sign(p.quantity);
  const pnlNum = s * (mark - p.entryPrice);
  const pnlDen = p.entryPrice;
  const levDen = s * (mark - p.bankruptcyPrice);
  if (mark <= 0n || pnlDen <= 0n || levDen < 0n) throw new RangeError('adlRank: needs mark > 0, entry > 0 and a position not past bankruptcy');
  if (levDen === 0n) return pnlNum > 0n ? { infinite: true } : { infinite: false, num: 0n, den: 1n };
  return pnlNum > 0n
    ? { infinite: false, num: pnlNum * mark, den: pnlDen * levDen }
    : { infinite: false, num: pnlNum * levDen, den: pnlDen * mark };
}

/** Orders ranks highest first (negative when `a` ranks above `b`). */
export function compareRanks(a: Rank, b: Rank): number {
  if (a.infinite || b.infinite) return a.infinite === b.infinite ? 0 : a.infinite ? -1 : 1;
  const l = a.num * b.den;
  const r = b.num * a.den;
  return l === r ? 0 : l > r ? -1 : 1;
}

/** Checks the case, naming the field of the first problem. */
function check(c: AdlCase): void {
  if (c.mark <= 0n) throw new InputError('the mark must be positive', { field: 'mark' });
  if (c.bankrupt.quantity === 0n) throw new InputError('the bankrupt position has no size', { field: 'bankrupt.quantity' });
  const seen = new Set<string>([c.bankrupt.account]);
  c.candidates.forEach((p, i) => {
    const f = `candidates[${i}]`;
    if (seen.has(p.account)) {
      throw new InputError(`account "${p.account}" is ${p.account === c.bankrupt.account ? 'the bankrupt account' : 'listed twice'}`, { field: `${f}.account` });
    }
    seen.add(p.account);
    if (p.quantity === 0n) throw new InputError('a candidate needs a position (quantity is 0)', { field: `${f}.quantity` });
    if (sign(p.quantity) === sign(c.bankrupt.quantity)) {
      const side = c.bankrupt.quantity > 0n ? 'long' : 'short';
      throw new InputError(`on the same side as the bankrupt position (${side}): only opposing positions can be deleveraged`, { field: `${f}.quantity` });
    }
    if (p.entryPrice <= 0n) throw new InputError('the entry price must be positive', { field: `${f}.entryPrice` });
    if (sign(p.quantity) * (c.mark - p.bankruptcyPrice) < 0n) {
      throw new InputError('the position is past its bankruptcy price at this mark: it is bankrupt itself, not a counterparty', {
        field: `${f}.bankruptcyPrice`,
      });
    }
  });
}

export function deleverage(c: AdlCase): AdlResult {
  check(c);
  const ranking = c.candidates
    .map((p) => ({ account: p.account, quantity: abs(p.quantity), rank: adlRank(c.mark, p) }))
    .sort((a, b) => compareRanks(a.rank, b.rank) || (a.account < b.account ? -1 : a.account > b.account ? 1 : 0));
  let left = abs(c.bankrupt.quantity);
  const closes: AdlClose[] = [];
  for (const r of ranking) {
    if (left === 0n) break;
    const q = r.quantity < left ? r.quantity : left;
    closes.push({ account: r.account, quantity: q, price: c.bankrupt.bankruptcyPrice });
    left -= q;
  }
  return { ranking: ranking.map(({ account, rank }) => ({ account, rank })), closes, unfilled: left };
}
