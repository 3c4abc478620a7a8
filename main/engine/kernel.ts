// The hot path (methodology §9): revalue every position and sum every account on typed arrays of exact integers.
// No objects, no allocation inside the loop. Anything that would leave the exact float range (2^53) marks the
// account for the BigInt path instead of producing an approximate figure.
import type { KernelColumns, PriceColumns, TierColumns } from './columns.ts';
import { MAX_SAFE, mulRateCeil, mulDivFloor, ceilDiv } from './exactFloat.ts';

export const STATUS_CODES = ['healthy', 'warning', 'call', 'liquidation', 'bankrupt'] as const;
export const NO_CALL = -1;

export interface KernelOut {
  collateral: Float64Array;
  equity: Float64Array;
  mm: Float64Array;
  im: Float64Array;
  status: Uint8Array;
  /** Call amount (micro-USD, rounded up to the amount scale) or NO_CALL. */
  call: Float64Array;
  /** 1 where the figures above are not set and the account must be evaluated with exactAccount. */
  exact: Uint8Array;
  /** Optional per-position outputs (same order as BookColumns positions), for detail views and tests. */
  positions?: { notional: Float64Array; upnl: Float64Array; mm: Float64Array; im: Float64Array };
}

export function allocOut(nAccounts: number, nPositions?: number): KernelOut {
  const out: KernelOut = {
    collateral: new Float64Array(nAccounts),
    equity: new Float64Array(nAccounts),
    mm: new Float64Array(nAccounts),
    im: new Float64Array(nAccounts),
    status: new Uint8Array(nAccounts),
    call: new Float64Array(nAccounts),
    exact: new Uint8Array(nAccounts),
  };
  if (nPositions !== undefined) {
    out.positions = {
      notional: new Float64Array(nPositions),
      upnl: new Float64Array(nPositions),
      mm: new Float64Array(nPositions),
      im: new Float64Array(nPositions),
    };
  }
  return out;
}

/**
 * Status code of one margin unit (see results.ts). The liquidation test e*1e6 < lh*m is decided exactly:
 * `e < ceil(lh*m/1e6)` is the same test for integers. A float estimate only screens out the clear cases: each
 * product below carries a relative error under 2^-52, so a gap of more than 1e-12 of their size cannot be an
 * artefact of rounding, and only the rest take the exact comparison.
 */
export function unitStatus(e: number, m: number, i: number, lh: number): number {
  if (e < 0) return 4;
  if (m > 0) {
    const le = e * 1e6;
    const lm = lh * m;
    if (le < lm - lm * 1e-12) return 3;
    if (!(le > lm + lm * 1e-12) && e < mulRateCeil(m, lh, 0)) return 3;
  }
  if (e < m) return 2;
  if (e < i) return 1;
  return 0;
}

function tierOf(t: TierColumns, e: number, value: number): number {
  let k = t.start[e]!;
  const last = t.start[e + 1]! - 1;
  while (k < last && value >= t.floor[k + 1]!) k++;
  return k;
}

/** Revalues accounts [from, to) of the book at the given prices into `out`. */
export function revalue(c: KernelColumns, px: PriceColumns, out: KernelOut, from = 0, to = c.nAccounts): void {
  const { posStart, posInst, posQty, posEntry, posIso, colStart, colAsset, colQty, instK, instTiers, assetHaircuts } = c;
  const { assetMul, assetDiv, accountBig } = c;
  const lh = c.liquidationHealth;
  const onInitial = c.callOnInitial;
  const step = c.amountStep;
  const marks = px.inst;
  const prices = px.asset;
  const instBig = px.instBig;
  const assetBig = px.assetBig;
  const po = out.positions;
  const tStart = instTiers.start;
  const { floorUnits, mA, mB, iA, iB } = c.instUnitTiers;
  const { mCumR, mCumQ, iCumR, iCumQ } = instTiers;

  for (let a = from; a < to; a++) {
    let big = accountBig[a]!;

    let colSum = 0;
    let abs = 0;
    for (let r = colStart[a]!, rEnd = colStart[a + 1]!; r < rEnd && big === 0; r++) {
      const s = colAsset[r]!;
      const mul = assetMul[s]!;
      const gross = mul === 1 ? mulDivFloor(colQty[r]!, prices[s]!, assetDiv[s]!) : colQty[r]! * prices[s]! * mul;
      // NaN (no exact float answer) fails both comparisons' negation, so it takes the BigInt path too.
      if (assetBig[s] || !(gross <= MAX_SAFE && gross >= -MAX_SAFE)) {
        big = 1;
        break;
      }
      let value = gross;
      if (gross > 0) {
        const t = tierOf(assetHaircuts, s, gross);
        value = gross - (mulRateCeil(gross, assetHaircuts.mRate[t]!, assetHaircuts.mCumR[t]!) - assetHaircuts.mCumQ[t]!);
      }
      colSum += value;
      abs += value < 0 ? -value : value;
    }

    let equity = colSum;
    let mm = 0;
    let im = 0;
    let isoNeed = 0;
    let worst = 0;
    for (let p = posStart[a]!, pEnd = posStart[a + 1]!; p < pEnd && big === 0; p++) {
      const i = posInst[p]!;
      const q = posQty[p]!;
      const units = (q < 0 ? -q : q) * marks[i]!;
      const notional = units * instK[i]!;
      if (instBig[i] || notional > MAX_SAFE) {
        big = 1;
        break;
      }
      const upnl = (q < 0 ? -notional : notional) - posEntry[p]!;
      if (upnl > MAX_SAFE || upnl < -MAX_SAFE) {
        big = 1;
        break;
      }
      let t = tStart[i]!;
      const tLast = tStart[i + 1]! - 1;
      while (t < tLast && units >= floorUnits[t + 1]!) t++;
      const bm = mB[t]!;
      const bi = iB[t]!;
      const pm = units * mA[t]! + (bm === 0 ? 0 : mulRateCeil(units, bm, mCumR[t]!)) - mCumQ[t]!;
      const pi = units * iA[t]! + (bi === 0 ? 0 : mulRateCeil(units, bi, iCumR[t]!)) - iCumQ[t]!;
      if (pm > MAX_SAFE || pi > MAX_SAFE) {
        big = 1;
        break;
      }
      if (po !== undefined) {
        po.notional[p] = notional;
        po.upnl[p] = upnl;
        po.mm[p] = pm;
        po.im[p] = pi;
      }
      const iso = posIso[p]!;
      if (iso !== iso) {
        // NaN: a cross position.
        equity += upnl;
        abs += upnl < 0 ? -upnl : upnl;
        mm += pm;
        im += pi;
      } else {
        const e = iso + upnl;
        const s = unitStatus(e, pm, pi, lh);
        if (s > worst) worst = s;
        if (e < (onInitial ? pi : pm)) isoNeed += pi - e;
        abs += (iso < 0 ? -iso : iso) + (upnl < 0 ? -upnl : upnl) + pi;
      }
    }

    // Every partial sum is bounded by `abs` (or by the final mm/im, whose terms are non-negative), so when these
    // stay within 2^53 every addition above was exact.
    if (big !== 0 || abs > MAX_SAFE || mm > MAX_SAFE || im > MAX_SAFE || isoNeed + im > MAX_SAFE) {
      out.exact[a] = 1;
      continue;
    }
    out.exact[a] = 0;
    out.collateral[a] = colSum;
    out.equity[a] = equity;
    out.mm[a] = mm;
    out.im[a] = im;
    const s = unitStatus(equity, mm, im, lh);
    out.status[a] = s > worst ? s : worst;
    const need = isoNeed + (equity < (onInitial ? im : mm) ? im - equity : 0);
    out.call[a] = need > 0 ? ceilDiv(need, step) * step : NO_CALL;
  }
}
