// Live revaluation: after a full evaluation, a change of one instrument's mark touches only the positions in it.
// Their exact figures are recomputed and the differences applied to their accounts' sums, then only those accounts
// are re-classified. This is the path from a price tick to a margin call on a desk that is watching the market.
import type { BookColumns, PriceColumns } from './columns.ts';
import { priceColumns } from './columns.ts';
import { allocOut, revalue, unitStatus, type KernelOut } from './kernel.ts';
import { MAX_SAFE, mulRateCeil, ceilDiv } from './exactFloat.ts';

export class LiveBook {
  readonly cols: BookColumns;
  readonly px: PriceColumns;
  readonly out: KernelOut;
  /** Positions of each instrument (indices into the column order). */
  private readonly byInst: Int32Array[];
  private readonly posAcct: Int32Array;
  /** Sum of |upnl| per account, to know when the float sums stop being exact. */
  private readonly crossUpnl: Float64Array;

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
    this.crossUpnl = new Float64Array(cols.nAccounts);
  }

  /**
   * Moves instrument `inst` to `mark` (ticks) and returns the accounts whose figures changed. Accounts whose
   * figures would leave the exact float range are flagged in out.exact (the caller evaluates them with BigInt).
   */
  setMark(inst: number, mark: number): Int32Array {
    if (!Number.isSafeInteger(mark) || mark < 0) throw new RangeError(`mark ${mark} is not a non-negative safe integer`);
    const { cols, out } = this;
    const po = out.positions!;
    const list = this.byInst[inst]!;
    const k = cols.instK[inst]!;
    const t0 = cols.instTiers.start[inst]!;
    const tLast = cols.instTiers.start[inst + 1]! - 1;
    const tr = cols.instTiers;
    this.px.inst[inst] = mark;
    const touched = new Int32Array(list.length);
    let n = 0;
    let last = -1;
    for (let j = 0; j < list.length; j++) {
      const p = list[j]!;
      const a = this.posAcct[p]!;
      if (out.exact[a]) continue;
      const q = cols.posQty[p]!;
      const units = (q < 0 ? -q : q) * mark;
      const notional = units * k;
      const upnl = (q < 0 ? -notional : notional) - cols.posEntry[p]!;
      if (units > MAX_SAFE || notional > MAX_SAFE || upnl > MAX_SAFE || upnl < -MAX_SAFE) {
        out.exact[a] = 1;
        continue;
      }
      let t = t0;
      while (t < tLast && notional >= tr.floor[t + 1]!) t++;
      const pm = mulRateCeil(notional, tr.mRate[t]!, tr.mCumR[t]!) - tr.mCumQ[t]!;
      const pi = mulRateCeil(notional, tr.iRate[t]!, tr.iCumR[t]!) - tr.iCumQ[t]!;
      if (cols.posIso[p] !== cols.posIso[p]) {
        out.equity[a]! += upnl - po.upnl[p]!;
        out.mm[a]! += pm - po.mm[p]!;
        out.im[a]! += pi - po.im[p]!;
        this.crossUpnl[a]! += Math.abs(upnl);
      }
      po.notional[p] = notional;
      po.upnl[p] = upnl;
      po.mm[p] = pm;
      po.im[p] = pi;
      if (a !== last) touched[n++] = a;
      last = a;
    }
    const accts = touched.subarray(0, n);
    for (let j = 0; j < n; j++) this.reclassify(accts[j]!);
    return accts;
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
    if (Math.abs(e) > MAX_SAFE || mm > MAX_SAFE || im > MAX_SAFE || this.crossUpnl[a]! > MAX_SAFE) {
      out.exact[a] = 1;
      return;
    }
    let worst = unitStatus(e, mm, im, lh);
    let need = e < (onInitial ? im : mm) ? im - e : 0;
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
