// Live revaluation: after a full evaluation, a change of one instrument's mark touches only the positions in it.
// Their exact figures are recomputed and the differences applied to their accounts' sums, then only those accounts
// are re-classified. This is the path from a price tick to a margin call on a desk that is watching the market.
import type { BookColumns, PriceColumns } from './columns.ts';
import { priceColumns } from './columns.ts';
import { allocOut, revalue, unitStatus, type KernelOut } from './kernel.ts';
import { MAX_SAFE, mulRateCeil, ceilDiv } from './exactFloat.ts';

const HALF_SAFE = 2 ** 52;

export class LiveBook {
  readonly cols: BookColumns;
  readonly px: PriceColumns;
  readonly out: KernelOut;
  /** Positions of each instrument (indices into the column order). */
  private readonly byInst: Int32Array[];
  private readonly posAcct: Int32Array;
  /**
   * Per account: |collateral value| + sum of |upnl| of its cross positions, kept current. While it stays within
   * 2^52 every running sum and every difference applied to it is an exact float integer.
   */
  private readonly absSum: Float64Array;
  private readonly hasIsolated: Uint8Array;

  constructor(cols: BookColumns) {
    this.cols = cols;
    this.px = priceColumns(cols, cols.book.marks, cols.book.assetPrices);
    const nP = cols.posInst.length;
    this.out = allocOut(cols.nAccounts, nP);
    revalue(cols, this.px, this.out);
    this.posAcct = new Int32Array(nP);
    for (let a = 0; a < cols.nAccounts; a++) this.posAcct.fill(a, cols.posStart[a]!, cols.posStart[a + 1]!);
    const counts = new Int32Array(cols.book.instruments.length);
    for (let p = 0; p < nP; p++) counts[cols.posInst[p]!]!++;
    this.byInst = Array.from(counts, (n) => new Int32Array(n));
    const fill = new Int32Array(counts.length);
    for (let p = 0; p < nP; p++) {
      const i = cols.posInst[p]!;
      this.byInst[i]![fill[i]!++] = p;
    }
    this.absSum = new Float64Array(cols.nAccounts);
    this.hasIsolated = new Uint8Array(cols.nAccounts);
    const po = this.out.positions!;
    for (let a = 0; a < cols.nAccounts; a++) {
      let s = Math.abs(this.out.collateral[a]!);
      for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
        if (cols.posIso[p] !== cols.posIso[p]) s += Math.abs(po.upnl[p]!);
        else this.hasIsolated[a] = 1;
      }
      this.absSum[a] = s;
    }
  }

  /**
   * Moves instrument `inst` to `mark` (ticks) and returns the accounts whose figures changed. Accounts whose
   * figures would leave the exact float range are flagged in out.exact (the caller evaluates them with BigInt).
   */
  setMark(inst: number, mark: number): Int32Array {
    if (!Number.isSafeInteger(mark) || mark < 0) throw new RangeError(`mark ${mark} is not a non-negative safe integer`);
    // Every array is a local before the loop: a named property load on a branch the loop rarely takes (the
    // out-of-range one) made V8 deoptimise and re-optimise this function over and over.
    const cols = this.cols;
    const out = this.out;
    const po = out.positions!;
    const pNotional = po.notional;
    const pUpnl = po.upnl;
    const pMm = po.mm;
    const pIm = po.im;
    const exact = out.exact;
    const equity = out.equity;
    const accMm = out.mm;
    const accIm = out.im;
    const absSum = this.absSum;
    const posAcct = this.posAcct;
    const posQty = cols.posQty;
    const posEntry = cols.posEntry;
    const posIso = cols.posIso;
    const tr = cols.instTiers;
    const floors = tr.floor;
    const mRate = tr.mRate;
    const mCumR = tr.mCumR;
    const mCumQ = tr.mCumQ;
    const iRate = tr.iRate;
    const iCumR = tr.iCumR;
    const iCumQ = tr.iCumQ;
    const list = this.byInst[inst]!;
    const k = cols.instK[inst]!;
    const t0 = tr.start[inst]!;
    const tLast = tr.start[inst + 1]! - 1;
    this.px.inst[inst] = mark;
    const touched = new Int32Array(list.length);
    let n = 0;
    let last = -1;
    for (let j = 0; j < list.length; j++) {
      const p = list[j]!;
      const a = posAcct[p]!;
      if (exact[a] !== 0) continue;
      const q = posQty[p]!;
      const units = (q < 0 ? -q : q) * mark;
      const notional = units * k;
      const upnl = (q < 0 ? -notional : notional) - posEntry[p]!;
      if (units > MAX_SAFE || notional > MAX_SAFE || upnl > MAX_SAFE || upnl < -MAX_SAFE) {
        exact[a] = 1;
        continue;
      }
      let t = t0;
      while (t < tLast && notional >= floors[t + 1]!) t++;
      const pm = mulRateCeil(notional, mRate[t]!, mCumR[t]!) - mCumQ[t]!;
      const pi = mulRateCeil(notional, iRate[t]!, iCumR[t]!) - iCumQ[t]!;
      const iso = posIso[p]!;
      if (iso !== iso) {
        const old = pUpnl[p]!;
        equity[a] = equity[a]! + upnl - old;
        accMm[a] = accMm[a]! + pm - pMm[p]!;
        accIm[a] = accIm[a]! + pi - pIm[p]!;
        absSum[a] = absSum[a]! + (upnl < 0 ? -upnl : upnl) - (old < 0 ? -old : old);
      }
      pNotional[p] = notional;
      pUpnl[p] = upnl;
      pMm[p] = pm;
      pIm[p] = pi;
      if (a !== last) touched[n++] = a;
      last = a;
    }
    const accts = touched.subarray(0, n);
    for (let j = 0; j < n; j++) this.reclassify(accts[j]!);
    return accts;
  }

  /**
   * The accounts that may need a margin call once instrument `inst` is at `mark`, found without changing any
   * figure: for each position in the instrument, the change of its account's slack (equity less the call bound,
   * MM or IM by policy) is estimated in float and compared with the exact slack now. The estimate's error is under
   * 2 micro-USD (the ceilings) plus a relative 1e-9, and the screen keeps every account within that margin of the
   * line, so no account that needs a call is left out; the caller decides each candidate exactly.
   */
  screen(inst: number, mark: number): Int32Array {
    const cols = this.cols;
    const out = this.out;
    const po = out.positions!;
    const list = this.byInst[inst]!;
    const k = cols.instK[inst]!;
    const onInitial = cols.callOnInitial;
    const ut = cols.instUnitTiers;
    const tr = cols.instTiers;
    const floorUnits = ut.floorUnits;
    const a1 = onInitial ? ut.iA : ut.mA;
    const b1 = onInitial ? ut.iB : ut.mB;
    const cumQ = onInitial ? tr.iCumQ : tr.mCumQ;
    const cumR = onInitial ? tr.iCumR : tr.mCumR;
    const bound = onInitial ? po.im : po.mm;
    const accBound = onInitial ? out.im : out.mm;
    const equity = out.equity;
    const exact = out.exact;
    const posAcct = this.posAcct;
    const posQty = cols.posQty;
    const posIso = cols.posIso;
    const pUpnl = po.upnl;
    const t0 = tr.start[inst]!;
    const tLast = tr.start[inst + 1]! - 1;
    const mark0 = this.px.inst[inst]!;
    const found = new Int32Array(list.length);
    let n = 0;
    for (let j = 0; j < list.length; j++) {
      const p = list[j]!;
      const a = posAcct[p]!;
      const q = posQty[p]!;
      const units = (q < 0 ? -q : q) * mark;
      let t = t0;
      while (t < tLast && units >= floorUnits[t + 1]!) t++;
      const newBound = units * a1[t]! + (units * b1[t]!) * 1e-6 - cumQ[t]! - cumR[t]! * 1e-6;
      const dUpnl = q * k * (mark - mark0);
      const iso = posIso[p]!;
      const slack = iso !== iso ? equity[a]! - accBound[a]! : iso + pUpnl[p]! - bound[p]!;
      const next = slack + dUpnl - (newBound - bound[p]!);
      const margin = 2 + 1e-9 * ((slack < 0 ? -slack : slack) + (dUpnl < 0 ? -dUpnl : dUpnl) + newBound);
      if (exact[a] !== 0 || next < margin) found[n++] = a;
    }
    return found.subarray(0, n);
  }

  /** Status and call of one account from its current sums (and its isolated positions, which are few). */
  private reclassify(a: number): void {
    const { cols, out } = this;
    const po = out.positions!;
    const lh = cols.liquidationHealth;
    const onInitial = cols.callOnInitial;
    const e = out.equity[a]!;
    const mm = out.mm[a]!;
    const im = out.im[a]!;
    if (this.absSum[a]! > HALF_SAFE || mm > HALF_SAFE || im > HALF_SAFE) {
      out.exact[a] = 1;
      return;
    }
    let worst = unitStatus(e, mm, im, lh);
    let need = e < (onInitial ? im : mm) ? im - e : 0;
    if (this.hasIsolated[a] === 0) {
      out.status[a] = worst;
      out.call[a] = need > 0 ? ceilDiv(need, cols.amountStep) * cols.amountStep : -1;
      return;
    }
    for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
      const iso = cols.posIso[p]!;
      if (iso !== iso) continue;
      const ie = iso + po.upnl[p]!;
      const s = unitStatus(ie, po.mm[p]!, po.im[p]!, lh);
      if (s > worst) worst = s;
      if (ie < (onInitial ? po.im[p]! : po.mm[p]!)) need += po.im[p]! - ie;
    }
    out.status[a] = worst;
    out.call[a] = need > 0 ? ceilDiv(need, cols.amountStep) * cols.amountStep : -1;
  }
}
