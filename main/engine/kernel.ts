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
  /** Working sums of the kernel's passes (per account): the |terms| bound, isolated units' needs, worst status. */
  scratchAbs: Float64Array;
  scratchIsoNeed: Float64Array;
  scratchWorst: Uint8Array;
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
    scratchAbs: new Float64Array(nAccounts),
    scratchIsoNeed: new Float64Array(nAccounts),
    scratchWorst: new Uint8Array(nAccounts),
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

/** First slice index j of instrument i whose account is >= a (slices are in account order). */
function sliceLowerBound(c: KernelColumns, i: number, a: number): number {
  let lo = c.sliceStart[i]!;
  let hi = c.sliceStart[i + 1]!;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (c.sAcct[m]! < a) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/**
 * Revalues accounts [from, to) of the book at the given prices into `out`, in three passes: collateral account by
 * account; positions instrument by instrument (contiguous, with the instrument's figures in registers), adding
 * into their accounts' sums; then each account's status and call. Each pass touches only accounts in [from, to),
 * so two threads can run disjoint ranges over the same arrays.
 */
export function revalue(c: KernelColumns, px: PriceColumns, out: KernelOut, from = 0, to = c.nAccounts): void {
  const { colStart, colAsset, colQty, instK, instTiers, assetHaircuts, assetMul, assetDiv, accountBig } = c;
  const { sliceStart, sAcct, sPos, sQty, sEntry, sIso } = c;
  const lh = c.liquidationHealth;
  const onInitial = c.callOnInitial;
  const step = c.amountStep;
  const marks = px.inst;
  const prices = px.asset;
  const instBig = px.instBig;
  const assetBig = px.assetBig;
  const po = out.positions;
  const { floorUnits, mA, mB, iA, iB } = c.instUnitTiers;
  const { mCumR, mCumQ, iCumR, iCumQ } = instTiers;
  const equity = out.equity;
  const accMm = out.mm;
  const accIm = out.im;
  const exact = out.exact;
  const abs = out.scratchAbs;
  const isoNeed = out.scratchIsoNeed;
  const worst = out.scratchWorst;

  // Pass 1: collateral, and the sums' starting values.
  for (let a = from; a < to; a++) {
    let big = accountBig[a]!;
    let colSum = 0;
    let absSum = 0;
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
      absSum += value < 0 ? -value : value;
    }
    exact[a] = big;
    out.collateral[a] = colSum;
    equity[a] = colSum;
    accMm[a] = 0;
    accIm[a] = 0;
    abs[a] = absSum;
    isoNeed[a] = 0;
    worst[a] = 0;
  }

  // Pass 2: positions, instrument by instrument.
  for (let i = 0; i < marks.length; i++) {
    const mark = marks[i]!;
    const k = instK[i]!;
    const t0 = instTiers.start[i]!;
    const tLast = instTiers.start[i + 1]! - 1;
    const f1 = t0 < tLast ? floorUnits[t0 + 1]! : Infinity;
    const a0 = mA[t0]!;
    const b0 = mB[t0]!;
    const q0 = mCumQ[t0]!;
    const r0 = mCumR[t0]!;
    const ia0 = iA[t0]!;
    const ib0 = iB[t0]!;
    const iq0 = iCumQ[t0]!;
    const ir0 = iCumR[t0]!;
    const wholeInstrumentBig = instBig[i] !== 0;
    const jFrom = from === 0 ? sliceStart[i]! : sliceLowerBound(c, i, from);
    const jTo = to === c.nAccounts ? sliceStart[i + 1]! : sliceLowerBound(c, i, to);
    for (let j = jFrom; j < jTo; j++) {
      const a = sAcct[j]!;
      if (exact[a] !== 0) continue;
      const q = sQty[j]!;
      const units = (q < 0 ? -q : q) * mark;
      const notional = units * k;
      const upnl = (q < 0 ? -notional : notional) - sEntry[j]!;
      if (wholeInstrumentBig || notional > MAX_SAFE || upnl > MAX_SAFE || upnl < -MAX_SAFE) {
        exact[a] = 1;
        continue;
      }
      let pm: number;
      let pi: number;
      if (units < f1) {
        // The first tier: almost every position, with its figures already in registers.
        pm = units * a0 + (b0 === 0 ? 0 : mulRateCeil(units, b0, r0)) - q0;
        pi = units * ia0 + (ib0 === 0 ? 0 : mulRateCeil(units, ib0, ir0)) - iq0;
      } else {
        let t = t0 + 1;
        while (t < tLast && units >= floorUnits[t + 1]!) t++;
        const bm = mB[t]!;
        const bi = iB[t]!;
        pm = units * mA[t]! + (bm === 0 ? 0 : mulRateCeil(units, bm, mCumR[t]!)) - mCumQ[t]!;
        pi = units * iA[t]! + (bi === 0 ? 0 : mulRateCeil(units, bi, iCumR[t]!)) - iCumQ[t]!;
      }
      if (pm > MAX_SAFE || pi > MAX_SAFE) {
        exact[a] = 1;
        continue;
      }
      if (po !== undefined) {
        const p = sPos[j]!;
        po.notional[p] = notional;
        po.upnl[p] = upnl;
        po.mm[p] = pm;
        po.im[p] = pi;
      }
      const iso = sIso[j]!;
      if (iso !== iso) {
        // NaN: a cross position.
        equity[a] = equity[a]! + upnl;
        abs[a] = abs[a]! + (upnl < 0 ? -upnl : upnl);
        accMm[a] = accMm[a]! + pm;
        accIm[a] = accIm[a]! + pi;
      } else {
        const e = iso + upnl;
        const st = unitStatus(e, pm, pi, lh);
        if (st > worst[a]!) worst[a] = st;
        if (e < (onInitial ? pi : pm)) isoNeed[a] = isoNeed[a]! + pi - e;
        abs[a] = abs[a]! + (iso < 0 ? -iso : iso) + (upnl < 0 ? -upnl : upnl) + pi;
      }
    }
  }

  // Pass 3: status and call. Every partial sum above is bounded by `abs` (or by the final mm/im, whose terms are
  // non-negative), so when these stay within 2^53 every addition was exact.
  for (let a = from; a < to; a++) {
    const e = equity[a]!;
    const mm = accMm[a]!;
    const im = accIm[a]!;
    const need0 = isoNeed[a]!;
    if (exact[a] !== 0 || abs[a]! > MAX_SAFE || mm > MAX_SAFE || im > MAX_SAFE || need0 + im > MAX_SAFE) {
      exact[a] = 1;
      continue;
    }
    const s = unitStatus(e, mm, im, lh);
    const w = worst[a]!;
    out.status[a] = s > w ? s : w;
    const need = need0 + (e < (onInitial ? im : mm) ? im - e : 0);
    out.call[a] = need > 0 ? ceilDiv(need, step) * step : NO_CALL;
  }
}
