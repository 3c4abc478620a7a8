// Live revaluation: after a full evaluation, a change of one instrument's mark touches only the positions in it.
// Their exact figures are recomputed and the differences applied to their accounts' sums, then only those accounts
// are re-classified. This is the path from a price tick to a margin call on a desk that is watching the market.
import type { BookColumns, PriceColumns } from './columns.ts';
import { priceColumns } from './columns.ts';
import { allocOut, revalue, unitStatus, NO_CALL, type KernelOut } from './kernel.ts';
import { MAX_SAFE, mulRateCeil, ceilDiv } from './exactFloat.ts';

const HALF_SAFE = 2 ** 52;

interface InstrumentSlice {
  acct: Int32Array;
  qty: Float64Array;
  entry: Float64Array;
  /** Isolated margin, NaN for a cross position. */
  iso: Float64Array;
  upnl: Float64Array;
  mm: Float64Array;
  im: Float64Array;
  /**
   * The most its unit's slack can fall per tick the mark moves down (reachDown) or up (reachUp). MM and IM are
   * continuous in the mark with a slope of at most |q| K rmax, so a long loses at most q K per tick down and
   * gains going up, and a short loses at most |q| K (1 + rmax) per tick up and gains going down.
   */
  reachDown: Float64Array;
  reachUp: Float64Array;
  /**
   * The same bound for an isolated unit's own slack, per lot: |q| lossPerLot on the losing side, and on both sides
   * when a rate is above 100% (bothSides). reachDown and reachUp are infinite for an isolated position, since
   * stage 1 compares them with the account's cross slack; the watch lists test the unit's slack with these.
   */
  lossPerLot: number;
  bothSides: boolean;
  /**
   * The watch lists: the positions (indices into this slice) that stage 1 of the screen keeps for a move of up to
   * `watchTicks` down or up. Stage 1's test only gets stricter as the move grows, so a position left out at
   * watchTicks is left out at any smaller move: a tick within watchTicks scans these instead of the whole slice.
   * Kept by setMark, outside the tick's path to its call: in every instrument, the positions of an account whose
   * slack fell are added where they now qualify (one whose slack rose may stay listed: the screen re-tests it).
   *
   * The lists stand for marks, not moves: watchDown holds every position that could come near the line at some mark
   * of the instrument in [builtMark - watchTicks, builtMark], watchUp in [builtMark, builtMark + watchTicks], the
   * other marks as they are. A move of the instrument itself does not change which mark puts which unit where, so
   * its lists stay good while its mark wanders inside the window; they are rebuilt around the new mark once it has
   * drifted half the window (rebuilding 20-65k positions on every tick was most of a tick's cost).
   */
  watchDown: Int32Array;
  watchUp: Int32Array;
  nDown: number;
  nUp: number;
  /** Whether each position of the slice is in watchDown / watchUp, so an addition is never made twice. */
  inDown: Uint8Array;
  inUp: Uint8Array;
  /** The lists' lengths when last rebuilt: lists only grow between rebuilds, and a long-grown one is rebuilt. */
  builtLength: number;
  watchTicks: number;
  /** The instrument's mark when its lists were last rebuilt: their windows are around it. */
  builtMark: number;
}

/** The tier of `units` among an instrument's tiers t0..tLast (floors in units). */
function tierAt(floorUnits: Float64Array, t0: number, tLast: number, units: number): number {
  let t = t0;
  while (t < tLast && units >= floorUnits[t + 1]!) t++;
  return t;
}

/** A position's exact requirement in its tier: units * a + ceil((units * b - cumR) / 1e6) - cumQ (see kernel.ts). */
function requirement(units: number, a: number, b: number, cumR: number, cumQ: number): number {
  return units * a + (b === 0 ? 0 : mulRateCeil(units, b, cumR)) - cumQ;
}

/** A tick's watch lists cover a move of this fraction of the mark (2%): ticks move far less, a jump scans all. */
const WATCH_FRACTION = 0.02;

export class LiveBook {
  readonly cols: BookColumns;
  readonly px: PriceColumns;
  /**
   * Account figures, kept current by setMark: the sums at once, status and call when settleStatuses is called.
   * Position figures live in the slices only (out.positions is unset).
   */
  readonly out: KernelOut;
  /** Positions of each instrument (indices into the column order). */
  private readonly byInst: Int32Array[];
  /**
   * The same positions' state laid out per instrument, contiguous: a tick reads and writes these in order instead
   * of striding through the position-major columns (one cache miss per array per position). They are the only
   * copy of the position figures once the book is built: keeping the position-major arrays in step as well put four
   * scattered writes per position into every setMark.
   */
  private readonly inst: InstrumentSlice[];
  private readonly posAcct: Int32Array;
  /** Each position's index in its instrument's slice. */
  private readonly posSlice: Int32Array;
  /**
   * Per instrument: the most ticks a watch list covers, twice 2% of the first mark (the range is 2% of the mark
   * at each rebuild, capped here, so a market that doubles has its lists cover a smaller fraction, never more).
   */
  private readonly watchCap: Float64Array;
  /**
   * Per account: the most any one of its positions can lose over its instrument's capped watch range. An account
   * whose slack stays clear of this cannot be in any watch list, so setMark skips its positions.
   */
  private readonly exposure: Float64Array;
  /**
   * Per account: |collateral value| + sum of |upnl| of its cross positions, kept current. While it stays within
   * 2^52 every running sum and every difference applied to it is an exact float integer.
   */
  private readonly absSum: Float64Array;
  private readonly hasIsolated: Uint8Array;
  /** Scratch lists reused by every tick, so a tick allocates nothing in proportion to the book. */
  private readonly scratchFound: Int32Array;
  private readonly scratchTouched: Int32Array;
  /** Per account: cross equity less the call bound (MM, or IM by policy), exact; -Infinity on the BigInt path. */
  private readonly slack: Float64Array;
  /**
   * Accounts the screen leaves out (see ignore()). They are kept out of the watch lists as well as out of the
   * screen's result: on a book in trouble, nine in ten listed positions belonged to accounts that already had a
   * call, and the screen walked past them on every tick.
   */
  private readonly ignored: Uint8Array;
  /** screenRun's scratch (per account: the run's loss bound, whether met, the accounts met), made on first use. */
  private runLoss: Float64Array | null = null;
  private runSeen: Uint8Array | null = null;
  private runAccts: Int32Array | null = null;
  /** refreshAccount's one-account kernel run, made on first use. */
  private scratchOut: KernelOut | null = null;
  private readonly scratchFigures = new Float64Array(3);
  /** Some account's status and call in `out` are behind its sums (settleStatuses brings them up to date). */
  private statusStale = false;

  constructor(cols: BookColumns) {
    this.cols = cols;
    this.px = priceColumns(cols, cols.book.marks, cols.book.assetPrices);
    const nP = cols.posInst.length;
    this.out = allocOut(cols.nAccounts, nP);
    revalue(cols, this.px, this.out);
    // Portfolio accounts' figures need their commodities' scan: the incremental arithmetic leaves them to BigInt.
    for (let a = 0; a < cols.nAccounts; a++) if (cols.accountPortfolio[a] !== 0) this.out.exact[a] = 1;
    this.posAcct = new Int32Array(nP);
    for (let a = 0; a < cols.nAccounts; a++) this.posAcct.fill(a, cols.posStart[a]!, cols.posStart[a + 1]!);
    const counts = new Int32Array(cols.book.instruments.length);
    for (let p = 0; p < nP; p++) counts[cols.posInst[p]!]!++;
    this.byInst = Array.from(counts, (n) => new Int32Array(n));
    const fill = new Int32Array(counts.length);
    this.posSlice = new Int32Array(nP);
    for (let p = 0; p < nP; p++) {
      const i = cols.posInst[p]!;
      this.posSlice[p] = fill[i]!;
      this.byInst[i]![fill[i]!++] = p;
    }
    const po = this.out.positions!;
    this.inst = this.byInst.map((list, i) => {
      const pick = (src: Float64Array) => Float64Array.from(list, (p) => src[p]!);
      const k = cols.instK[i]!;
      let rmax = 0;
      for (let t = cols.instTiers.start[i]!; t < cols.instTiers.start[i + 1]!; t++) {
        rmax = Math.max(rmax, cols.instTiers.mRate[t]!, cols.instTiers.iRate[t]!);
      }
      const qs = pick(cols.posQty);
      const isos = pick(cols.posIso);
      // With a rate above 100% (the kernel allows up to ~2.09) the requirement can outrun the gain: bound both
      // sides. An isolated position is its own unit, measured in stage 2: an infinite reach sends it there.
      const lossPerLot = k * (1 + rmax / 1e6);
      const bothSides = rmax > 1e6;
      const reach = (q: number, j: number, losing: boolean) =>
        isos[j] === isos[j] ? Infinity : losing || bothSides ? Math.abs(q) * lossPerLot : 0;
      return {
        reachDown: qs.map((q, j) => reach(q, j, q > 0)),
        reachUp: qs.map((q, j) => reach(q, j, q < 0)),
        lossPerLot,
        bothSides,
        watchDown: new Int32Array(list.length),
        watchUp: new Int32Array(list.length),
        nDown: 0,
        nUp: 0,
        inDown: new Uint8Array(list.length),
        inUp: new Uint8Array(list.length),
        builtLength: 0,
        watchTicks: 0,
        builtMark: 0,
        // The columns' own instrument slices (the same positions in the same order: account-major within the
        // instrument), not copies: refreshAccount writes them the values the resident book already wrote there.
        acct: cols.sAcct.subarray(cols.sliceStart[i]!, cols.sliceStart[i + 1]!),
        qty: cols.sQty.subarray(cols.sliceStart[i]!, cols.sliceStart[i + 1]!),
        entry: cols.sEntry.subarray(cols.sliceStart[i]!, cols.sliceStart[i + 1]!),
        iso: cols.sIso.subarray(cols.sliceStart[i]!, cols.sliceStart[i + 1]!),
        upnl: pick(po.upnl),
        mm: pick(po.mm),
        im: pick(po.im),
      };
    });
    this.absSum = new Float64Array(cols.nAccounts);
    this.hasIsolated = new Uint8Array(cols.nAccounts);
    for (let a = 0; a < cols.nAccounts; a++) {
      let s = Math.abs(this.out.collateral[a]!);
      for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
        if (cols.posIso[p] !== cols.posIso[p]) s += Math.abs(po.upnl[p]!);
        else this.hasIsolated[a] = 1;
      }
      this.absSum[a] = s;
    }
    delete this.out.positions;
    this.slack = new Float64Array(cols.nAccounts);
    for (let a = 0; a < cols.nAccounts; a++) this.setSlack(a);
    this.ignored = new Uint8Array(cols.nAccounts);
    this.watchCap = Float64Array.from(this.px.inst, (m) => 2 * Math.max(1, Math.ceil(m * WATCH_FRACTION)));
    this.exposure = new Float64Array(cols.nAccounts);
    for (let a = 0; a < cols.nAccounts; a++) {
      let most = 0;
      for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
        // watchAccount never lists an isolated position (its instrument's rebuild does): it needs no exposure here.
        if (cols.posIso[p] === cols.posIso[p]) continue;
        const i = cols.posInst[p]!;
        const sl = this.inst[i]!;
        const j = this.posSlice[p]!;
        most = Math.max(most, sl.reachDown[j]! * this.watchCap[i]!, sl.reachUp[j]! * this.watchCap[i]!);
      }
      this.exposure[a] = most;
    }
    const longest = Math.max(0, ...this.byInst.map((l) => l.length));
    this.scratchFound = new Int32Array(longest);
    this.scratchTouched = new Int32Array(longest);
    for (let i = 0; i < this.inst.length; i++) this.rebuildWatch(i);
  }

  /** Stage 1 of the screen: may a loss of `loss` take slack `s1` to within the estimate's error of the line? */
  private static mayCross(s1: number, loss: number): boolean {
    // An account on the BigInt path has slack -Infinity: it may always cross (the float test would say never, as
    // -Infinity >= -Infinity).
    return s1 === -Infinity || !(s1 - loss >= 2 + 1e-9 * (s1 + loss));
  }

  /**
   * From now on the screen leaves these accounts out (a ticker's accounts that have a call already: the next full
   * cycle re-sizes those, with a new live book). Their figures are still kept current by setMark. Every
   * watch list is rebuilt without them once, here; later, a list drops them when its instrument next moves.
   */
  ignore(accounts: Iterable<number>): void {
    for (const a of accounts) this.ignored[a] = 1;
    for (let i = 0; i < this.inst.length; i++) this.rebuildWatch(i);
  }

  /** Leaves account a out of the screen from now on (see ignore), without rebuilding any list. */
  ignoreAccount(a: number): void {
    this.ignored[a] = 1;
  }

  /** Rebuilds instrument i's watch lists from the current slack, for a move of up to WATCH_FRACTION of its mark. */
  private rebuildWatch(i: number): void {
    const sl = this.inst[i]!;
    const w = Math.min(this.watchCap[i]!, Math.max(1, Math.ceil(this.px.inst[i]! * WATCH_FRACTION)));
    const acct = sl.acct;
    const inDown = sl.inDown;
    const inUp = sl.inUp;
    const bound = this.cols.callOnInitial ? sl.im : sl.mm;
    let nd = 0;
    let nu = 0;
    for (let j = 0; j < acct.length; j++) {
      const q = this.lists(sl, j, w, bound);
      const d = (q & 1) !== 0;
      const u = (q & 2) !== 0;
      inDown[j] = d ? 1 : 0;
      inUp[j] = u ? 1 : 0;
      if (d) sl.watchDown[nd++] = j;
      if (u) sl.watchUp[nu++] = j;
    }
    sl.nDown = nd;
    sl.nUp = nu;
    sl.builtLength = nd + nu;
    sl.watchTicks = w;
    sl.builtMark = this.px.inst[i]!;
  }

  /**
   * Which watch lists position j of slice sl belongs in for a move of up to w ticks: bit 1 down, bit 2 up.
   * An isolated unit's slack moves with its own instrument's mark alone, so it is tested here, once per rebuild,
   * and listed with its infinite reach (stage 1 then sends it to stage 2, which measures the unit). Listing every
   * isolated position put hundreds in each list on the demo book.
   */
  private lists(sl: InstrumentSlice, j: number, w: number, bound: Float64Array): number {
    const a = sl.acct[j]!;
    if (this.ignored[a] !== 0) return 0;
    const iso = sl.iso[j]!;
    if (iso !== iso || this.out.exact[a] !== 0) {
      const s1 = this.slack[a]!;
      return (LiveBook.mayCross(s1, sl.reachDown[j]! * w) ? 1 : 0) | (LiveBook.mayCross(s1, sl.reachUp[j]! * w) ? 2 : 0);
    }
    const q = sl.qty[j]!;
    const r = (q < 0 ? -q : q) * sl.lossPerLot * w;
    const us = iso + sl.upnl[j]! - bound[j]!;
    return (LiveBook.mayCross(us, q > 0 || sl.bothSides ? r : 0) ? 1 : 0) | (LiveBook.mayCross(us, q < 0 || sl.bothSides ? r : 0) ? 2 : 0);
  }

  /** Lists every position of account a where it now belongs (after it is heeded again, or its holdings changed). */
  private relist(a: number): void {
    const cols = this.cols;
    for (let p = cols.posStart[a]!, pEnd = cols.posStart[a + 1]!; p < pEnd; p++) {
      const i = cols.posInst[p]!;
      const sl = this.inst[i]!;
      const j = this.posSlice[p]!;
      // Tested from the mark now against the lists' whole windows (see windowLoss); an isolated unit of an instrument
      // that has moved since its rebuild is listed both ways, which the screen re-tests.
      const moved = this.px.inst[i]! !== sl.builtMark;
      const q = !moved
        ? this.lists(sl, j, sl.watchTicks, cols.callOnInitial ? sl.im : sl.mm)
        : sl.iso[j]! === sl.iso[j]! && this.out.exact[a] === 0
          ? this.ignored[a] !== 0
            ? 0
            : 3
          : this.ignored[a] !== 0
            ? 0
            : (LiveBook.mayCross(this.slack[a]!, this.windowLoss(sl, j, i, true)) ? 1 : 0) | (LiveBook.mayCross(this.slack[a]!, this.windowLoss(sl, j, i, false)) ? 2 : 0);
      if ((q & 1) !== 0 && sl.inDown[j] === 0) {
        sl.inDown[j] = 1;
        sl.watchDown[sl.nDown++] = j;
      }
      if ((q & 2) !== 0 && sl.inUp[j] === 0) {
        sl.inUp[j] = 1;
        sl.watchUp[sl.nUp++] = j;
      }
    }
  }

  /**
   * Whether the screen leaves account a out (a resident book's accounts with an open or held call): set when a call
   * is issued, cleared when it is met or settled. A heeded account's positions join the lists they qualify for.
   */
  setIgnored(a: number, on: boolean): void {
    if ((this.ignored[a] !== 0) === on) return;
    this.ignored[a] = on ? 1 : 0;
    if (!on) this.relist(a);
  }

  isIgnored(a: number): boolean {
    return this.ignored[a] !== 0;
  }

  /**
   * Account a's holdings changed in place in the columns (quantities, entry values, isolated margins, collateral
   * quantities of the slots it already had; a closed slot holds 0): its figures again, exactly. The account's sums
   * come from the kernel run over that one account; its positions' figures from the same arithmetic as setMark.
   */
  refreshAccount(a: number): void {
    const cols = this.cols;
    const scratch = (this.scratchOut ??= allocOut(cols.nAccounts));
    revalue(cols, this.px, scratch, a, a + 1);
    const out = this.out;
    out.collateral[a] = scratch.collateral[a]!;
    out.exact[a] = scratch.exact[a]! | cols.accountPortfolio[a]!;
    let abs = Math.abs(scratch.collateral[a]!);
    let e = scratch.collateral[a]!;
    let mm = 0;
    let im = 0;
    let isolated = 0;
    let most = 0;
    for (let p = cols.posStart[a]!, pEnd = cols.posStart[a + 1]!; p < pEnd; p++) {
      const i = cols.posInst[p]!;
      const sl = this.inst[i]!;
      const j = this.posSlice[p]!;
      const q = cols.posQty[p]!;
      const iso = cols.posIso[p]!;
      sl.qty[j] = q;
      sl.entry[j] = cols.posEntry[p]!;
      sl.iso[j] = iso;
      const losing = (down: boolean) => (iso === iso ? Infinity : down || sl.bothSides ? Math.abs(q) * sl.lossPerLot : 0);
      sl.reachDown[j] = losing(q > 0);
      sl.reachUp[j] = losing(q < 0);
      if (iso === iso) isolated = 1;
      else most = Math.max(most, sl.reachDown[j]! * this.watchCap[i]!, sl.reachUp[j]! * this.watchCap[i]!);
      if (out.exact[a] !== 0) continue;
      const f = this.figuresAt(p, i, this.px.inst[i]!);
      if (f === null) {
        out.exact[a] = 1;
        continue;
      }
      sl.upnl[j] = f[0]!;
      sl.mm[j] = f[1]!;
      sl.im[j] = f[2]!;
      if (iso !== iso) {
        e += f[0]!;
        mm += f[1]!;
        im += f[2]!;
        abs += Math.abs(f[0]!);
      }
    }
    out.equity[a] = e;
    out.mm[a] = mm;
    out.im[a] = im;
    this.absSum[a] = abs;
    this.hasIsolated[a] = isolated;
    this.exposure[a] = most;
    if (out.exact[a] !== 0) {
      this.slack[a] = -Infinity;
    } else {
      out.status[a] = scratch.status[a]!;
      out.call[a] = scratch.call[a]!;
      this.reclassify(a);
    }
    this.relist(a);
  }

  /** Position p (of instrument inst) at `mark`: [upnl, mm, im] in a scratch array, or null off the exact float range. */
  private figuresAt(p: number, inst: number, mark: number): Float64Array | null {
    const cols = this.cols;
    const tr = cols.instTiers;
    const ut = cols.instUnitTiers;
    const q = cols.posQty[p]!;
    const units = (q < 0 ? -q : q) * mark;
    const notional = units * cols.instK[inst]!;
    const upnl = (q < 0 ? -notional : notional) - cols.posEntry[p]!;
    if (units > MAX_SAFE || notional > MAX_SAFE || upnl > MAX_SAFE || upnl < -MAX_SAFE) return null;
    const t = tierAt(ut.floorUnits, tr.start[inst]!, tr.start[inst + 1]! - 1, units);
    const f = this.scratchFigures;
    f[0] = upnl;
    f[1] = requirement(units, ut.mA[t]!, ut.mB[t]!, tr.mCumR[t]!, tr.mCumQ[t]!);
    f[2] = requirement(units, ut.iA[t]!, ut.iB[t]!, tr.iCumR[t]!, tr.iCumQ[t]!);
    return f;
  }

  /** Adds account a's positions to the watch lists they now qualify for (after its slack fell). */
  private watchAccount(a: number): void {
    if (this.ignored[a] !== 0) return;
    const s1 = this.slack[a]!;
    // mayCross only gets more likely as the loss grows: clear of the largest loss is clear of every list.
    if (!LiveBook.mayCross(s1, this.exposure[a]!)) return;
    const cols = this.cols;
    const onBigInt = this.out.exact[a] !== 0;
    for (let p = cols.posStart[a]!, pEnd = cols.posStart[a + 1]!; p < pEnd; p++) {
      // An isolated unit's slack has not moved (it follows its own instrument, whose rebuild lists it), unless the
      // account has just left the float path: then every position is listed, as rebuildWatch lists it.
      if (cols.posIso[p] === cols.posIso[p] && !onBigInt) continue;
      const i = cols.posInst[p]!;
      const sl = this.inst[i]!;
      const j = this.posSlice[p]!;
      if (sl.inDown[j] === 0 && LiveBook.mayCross(s1, this.windowLoss(sl, j, i, true))) {
        sl.inDown[j] = 1;
        sl.watchDown[sl.nDown++] = j;
      }
      if (sl.inUp[j] === 0 && LiveBook.mayCross(s1, this.windowLoss(sl, j, i, false))) {
        sl.inUp[j] = 1;
        sl.watchUp[sl.nUp++] = j;
      }
    }
  }

  /**
   * The most position j's unit can lose (its slack fall) going from instrument i's mark now to any mark of the down
   * list's window [builtMark - w, builtMark] (down) or the up list's [builtMark, builtMark + w]: the reach per tick
   * times the ticks to the window's far end on each side of the mark now. Without drift, reach x w as at a rebuild.
   */
  private windowLoss(sl: InstrumentSlice, j: number, i: number, down: boolean): number {
    const m = this.px.inst[i]!;
    const lo = down ? sl.builtMark - sl.watchTicks : sl.builtMark;
    const hi = down ? sl.builtMark : sl.builtMark + sl.watchTicks;
    const fall = m > lo ? sl.reachDown[j]! * (m - lo) : 0;
    const rise = hi > m ? sl.reachUp[j]! * (hi - m) : 0;
    return fall > rise ? fall : rise;
  }

  private setSlack(a: number): void {
    const out = this.out;
    this.slack[a] = out.exact[a] ? -Infinity : out.equity[a]! - (this.cols.callOnInitial ? out.im[a]! : out.mm[a]!);
  }

  /**
   * Moves instrument `inst` to `mark` (ticks) and returns the accounts whose figures changed (a view of a scratch
   * list, valid until the next setMark). Accounts whose figures would leave the exact float range are flagged in
   * out.exact (the caller evaluates them with BigInt).
   */
  setMark(inst: number, mark: number): Int32Array {
    if (!Number.isSafeInteger(mark) || mark < 0) throw new RangeError(`mark ${mark} is not a non-negative safe integer`);
    // Each loop is a function of its own. In one function, V8 compiled the first loop on its own (on-stack
    // replacement) without feedback for the code after it, and threw that away on reaching it: on most ticks the
    // rest ran in the interpreter, which boxed every float (2 MB of garbage a tick) and took milliseconds.
    const n = this.revalueSlice(inst, mark);
    const accts = this.scratchTouched.subarray(0, n);
    this.reclassifyTouched(accts);
    // The moved instrument's lists are rebuilt once its mark has drifted half their window, or when the far end of
    // the window is beyond what each account's exposure (and so watchAccount's first test) was sized for.
    const sl = this.inst[inst]!;
    const drift = mark > sl.builtMark ? mark - sl.builtMark : sl.builtMark - mark;
    if (2 * drift > sl.watchTicks || sl.watchTicks + drift > this.watchCap[inst]!) this.rebuildWatch(inst);
    // Lists only grow between rebuilds of their own instrument: one that has doubled is rebuilt (a quiet
    // instrument's list would otherwise keep every position that ever came near the line).
    for (let i = 0; i < this.inst.length; i++) {
      const o = this.inst[i]!;
      if (i !== inst && o.nDown + o.nUp > 2 * o.builtLength + 1024) this.rebuildWatch(i);
    }
    return accts;
  }

  /** Re-classifies the accounts setMark changed; one whose slack fell joins the watch lists it now qualifies for. */
  private reclassifyTouched(accts: Int32Array): void {
    // Only the slack here, which the next screen needs: status and call wait for settleStatuses (a tick decides its
    // calls with callAt, and the cycle evaluates the columns), so a mark on a 65k-position instrument does not
    // classify 65k accounts the desk is not looking at.
    const out = this.out;
    const slack = this.slack;
    const absSum = this.absSum;
    const exact = out.exact;
    const equity = out.equity;
    const bound = this.cols.callOnInitial ? out.im : out.mm;
    const mm = out.mm;
    const im = out.im;
    for (let j = 0; j < accts.length; j++) {
      const a = accts[j]!;
      const before = slack[a]!;
      if (exact[a] === 0 && (absSum[a]! > HALF_SAFE || mm[a]! > HALF_SAFE || im[a]! > HALF_SAFE)) exact[a] = 1;
      slack[a] = exact[a] !== 0 ? -Infinity : equity[a]! - bound[a]!;
      if (slack[a]! < before) this.watchAccount(a);
    }
    if (accts.length > 0) this.statusStale = true;
  }

  /** Brings every account's status and call up to date (setMark leaves them behind; see reclassifyTouched). */
  settleStatuses(): void {
    if (!this.statusStale) return;
    for (let a = 0; a < this.cols.nAccounts; a++) this.reclassify(a);
    this.statusStale = false;
  }

  /**
   * Revalues every position of instrument `inst` at `mark` and applies the differences to their accounts' sums.
   * Lists the accounts changed in scratchTouched and returns how many.
   */
  private revalueSlice(inst: number, mark: number): number {
    // Every array is a local before the loop: a named property load on a branch the loop rarely takes (the
    // out-of-range one) made V8 deoptimise and re-optimise this function over and over.
    const cols = this.cols;
    const out = this.out;
    const exact = out.exact;
    const equity = out.equity;
    const accMm = out.mm;
    const accIm = out.im;
    const absSum = this.absSum;
    const sl = this.inst[inst]!;
    const sAcct = sl.acct;
    const sQty = sl.qty;
    const sEntry = sl.entry;
    const sIso = sl.iso;
    const sUpnl = sl.upnl;
    const sMm = sl.mm;
    const sIm = sl.im;
    const tr = cols.instTiers;
    const ut = cols.instUnitTiers;
    const floorUnits = ut.floorUnits;
    const mA = ut.mA;
    const mB = ut.mB;
    const iA = ut.iA;
    const iB = ut.iB;
    const mCumR = tr.mCumR;
    const mCumQ = tr.mCumQ;
    const iCumR = tr.iCumR;
    const iCumQ = tr.iCumQ;
    const list = this.byInst[inst]!;
    const k = cols.instK[inst]!;
    const t0 = tr.start[inst]!;
    const tLast = tr.start[inst + 1]! - 1;
    this.px.inst[inst] = mark;
    const touched = this.scratchTouched;
    let n = 0;
    let last = -1;
    for (let j = 0; j < list.length; j++) {
      const a = sAcct[j]!;
      if (exact[a] !== 0) continue;
      const q = sQty[j]!;
      const units = (q < 0 ? -q : q) * mark;
      const notional = units * k;
      const upnl = (q < 0 ? -notional : notional) - sEntry[j]!;
      if (units > MAX_SAFE || notional > MAX_SAFE || upnl > MAX_SAFE || upnl < -MAX_SAFE) {
        // The account leaves the float path: reclassify gives it no slack, so every screen keeps it.
        exact[a] = 1;
        if (a !== last) touched[n++] = a;
        last = a;
        continue;
      }
      const t = tierAt(floorUnits, t0, tLast, units);
      const pm = requirement(units, mA[t]!, mB[t]!, mCumR[t]!, mCumQ[t]!);
      const pi = requirement(units, iA[t]!, iB[t]!, iCumR[t]!, iCumQ[t]!);
      const iso = sIso[j]!;
      if (iso !== iso) {
        const old = sUpnl[j]!;
        equity[a] = equity[a]! + upnl - old;
        accMm[a] = accMm[a]! + pm - sMm[j]!;
        accIm[a] = accIm[a]! + pi - sIm[j]!;
        absSum[a] = absSum[a]! + (upnl < 0 ? -upnl : upnl) - (old < 0 ? -old : old);
      }
      sUpnl[j] = upnl;
      sMm[j] = pm;
      sIm[j] = pi;
      if (a !== last) touched[n++] = a;
      last = a;
    }
    return n;
  }

  /**
   * The accounts that may need a margin call once instrument `inst` is at `mark`, found without changing any
   * figure: for each position in the instrument, the change of its account's slack (equity less the call bound,
   * MM or IM by policy) is estimated in float and compared with the exact slack now. The estimate's error is under
   * 2 micro-USD (the ceilings) plus a relative 1e-9, and the screen keeps every account within that margin of the
   * line, so no account that needs a call is left out, but for the ignored ones; the caller decides each candidate
   * exactly. The result is a view of a scratch list, valid until the next screen.
   */
  screen(inst: number, mark: number): Int32Array {
    const cols = this.cols;
    const out = this.out;
    const sl = this.inst[inst]!;
    const sAcct = sl.acct;
    const sQty = sl.qty;
    const sIso = sl.iso;
    const sUpnl = sl.upnl;
    const onInitial = cols.callOnInitial;
    const sBound = onInitial ? sl.im : sl.mm;
    const k = cols.instK[inst]!;
    const ut = cols.instUnitTiers;
    const tr = cols.instTiers;
    const floorUnits = ut.floorUnits;
    const a1 = onInitial ? ut.iA : ut.mA;
    const b1 = onInitial ? ut.iB : ut.mB;
    const cumQ = onInitial ? tr.iCumQ : tr.mCumQ;
    const cumR = onInitial ? tr.iCumR : tr.mCumR;
    const accBound = onInitial ? out.im : out.mm;
    const equity = out.equity;
    const exact = out.exact;
    const t0 = tr.start[inst]!;
    const tLast = tr.start[inst + 1]! - 1;
    const ticks = mark - this.px.inst[inst]!;
    const move = k * ticks;
    const reach = ticks < 0 ? sl.reachDown : sl.reachUp;
    const absTicks = ticks < 0 ? -ticks : ticks;
    const slackOf = this.slack;
    const ignored = this.ignored;
    const found = this.scratchFound;
    let n = 0;
    // A mark inside the lists' window scans only the list of its side of builtMark (the positions that could come
    // near the line anywhere on that side); a mark outside it scans the whole slice.
    const fromBuilt = mark - sl.builtMark;
    const watched = (fromBuilt < 0 ? -fromBuilt : fromBuilt) <= sl.watchTicks;
    const watch = fromBuilt < 0 ? sl.watchDown : sl.watchUp;
    const count = watched ? (fromBuilt < 0 ? sl.nDown : sl.nUp) : sAcct.length;
    for (let m = 0; m < count; m++) {
      const j = watched ? watch[m]! : m;
      // Stage 1: the most this move can cost the unit, against its slack. Most positions stop here.
      const a = sAcct[j]!;
      const loss = reach[j]! * absTicks;
      const s1 = slackOf[a]!;
      if (s1 !== -Infinity && s1 - loss >= 2 + 1e-9 * (s1 + loss)) continue;
      if (ignored[a] !== 0) continue;
      const iso = sIso[j]!;
      if (exact[a] !== 0) {
        found[n++] = a;
        continue;
      }
      // Stage 2: the estimate of the move itself.
      const q = sQty[j]!;
      const units = (q < 0 ? -q : q) * mark;
      let t = t0;
      while (t < tLast && units >= floorUnits[t + 1]!) t++;
      const newBound = units * a1[t]! + units * b1[t]! * 1e-6 - cumQ[t]! - cumR[t]! * 1e-6;
      const dUpnl = q * move;
      const bound = sBound[j]!;
      const slack = iso !== iso ? equity[a]! - accBound[a]! : iso + sUpnl[j]! - bound;
      const next = slack + dUpnl - (newBound - bound);
      const margin = 2 + 1e-9 * ((slack < 0 ? -slack : slack) + (dUpnl < 0 ? -dUpnl : dUpnl) + newBound);
      if (next < margin) found[n++] = a;
    }
    return found.subarray(0, n);
  }

  /**
   * The accounts a run of marks may push near the line at any of its instants, for a run decided before the live book
   * catches up with any of it (commands/priceTick.ts): `down[i]` and `up[i]` are the most ticks the run takes
   * instrument i below and above its mark now, `moved` the instruments it moves. One pass over each moved instrument's
   * positions adds up, per account, the most every move can cost it together (reach x ticks, both ways: the run may
   * go down and come back), and keeps the accounts whose slack that total may take to within the estimate's error of
   * the line, an isolated unit on its own slack, and every account on the BigInt path; the ignored ones left out, as
   * screen() leaves them. Sorted by account index; a view of a scratch list, valid until the next call.
   */
  screenRun(moved: readonly number[], down: Float64Array, up: Float64Array): Int32Array {
    const nA = this.cols.nAccounts;
    const loss = (this.runLoss ??= new Float64Array(nA));
    const seen = (this.runSeen ??= new Uint8Array(nA));
    const accts = (this.runAccts ??= new Int32Array(nA));
    const slackOf = this.slack;
    const ignored = this.ignored;
    const exact = this.out.exact;
    const bound = this.cols.callOnInitial ? 'im' : 'mm';
    let n = 0;
    let kept = 0;
    for (const i of moved) {
      const sl = this.inst[i]!;
      const dn = down[i]!;
      const upT = up[i]!;
      const sAcct = sl.acct;
      const sIso = sl.iso;
      const rd = sl.reachDown;
      const ru = sl.reachUp;
      const sQty = sl.qty;
      const sUpnl = sl.upnl;
      const sBound = sl[bound];
      for (let j = 0; j < sAcct.length; j++) {
        const a = sAcct[j]!;
        if (ignored[a] !== 0) continue;
        if (seen[a] === 0) {
          seen[a] = 1;
          accts[n++] = a;
        }
        const iso = sIso[j]!;
        if (iso !== iso) {
          loss[a] = loss[a]! + rd[j]! * dn + ru[j]! * upT;
          continue;
        }
        // An isolated unit moves with its own instrument alone: its slack against its own reach, as lists() tests it.
        const q = sQty[j]!;
        const perTick = (q < 0 ? -q : q) * sl.lossPerLot;
        const l = (q > 0 || sl.bothSides ? perTick * dn : 0) + (q < 0 || sl.bothSides ? perTick * upT : 0);
        if (LiveBook.mayCross(iso + sUpnl[j]! - sBound[j]!, l)) seen[a] = 2;
      }
    }
    for (let k = 0; k < n; k++) {
      const a = accts[k]!;
      if (seen[a] === 2 || exact[a] !== 0 || LiveBook.mayCross(slackOf[a]!, loss[a]!)) accts[kept++] = a;
      seen[a] = 0;
      loss[a] = 0;
    }
    return accts.subarray(0, kept).sort();
  }

  /**
   * The call account `a` would need were instrument `inst` at `mark` (micro-USD, or NO_CALL), changing nothing:
   * setMark's arithmetic and reclassify's rule over the account's own positions, from its current sums. NaN when a
   * figure would leave the exact float range: the caller then decides the account on the BigInt path. A tick asks
   * this of each candidate before it commits, and an account holds a handful of positions, where re-running the
   * kernel for one account walked every instrument's slice (about 12 us a candidate on the demo book).
   */
  callAt(a: number, inst: number, mark: number): number {
    return this.callWith(a, null, inst, mark);
  }

  /**
   * The same, with every instrument at `marks` (ticks, by instrument index; those that differ from the live book's
   * mark are the ones that moved): a run of marks decides each of its instants this way, before the live book has
   * caught up with any of them.
   */
  callAtMarks(a: number, marks: Float64Array): number {
    return this.callWith(a, marks, -1, 0);
  }

  private callWith(a: number, marks: Float64Array | null, inst: number, mark: number): number {
    const cols = this.cols;
    const out = this.out;
    if (out.exact[a] !== 0) return Number.NaN;
    const now = this.px.inst;
    const slices = this.inst;
    const posSlice = this.posSlice;
    const onInitial = cols.callOnInitial;
    let e = out.equity[a]!;
    let mm = out.mm[a]!;
    let im = out.im[a]!;
    let abs = this.absSum[a]!;
    let isoNeed = 0;
    for (let p = cols.posStart[a]!, pEnd = cols.posStart[a + 1]!; p < pEnd; p++) {
      const iso = cols.posIso[p]!;
      const i = cols.posInst[p]!;
      const moved = marks === null ? i === inst : marks[i] !== now[i];
      // A cross position in another instrument is already in the account's sums: reading its slice (three
      // scattered loads in a slice the catch-up has pushed out of the caches) was most of a candidate's cost.
      if (!moved && iso !== iso) continue;
      const sl = slices[cols.posInst[p]!]!;
      const j = posSlice[p]!;
      let upnl = sl.upnl[j]!;
      let pm = sl.mm[j]!;
      let pi = sl.im[j]!;
      if (moved) {
        const f = this.figuresAt(p, i, marks === null ? mark : marks[i]!);
        if (f === null) return Number.NaN;
        upnl = f[0]!;
        pm = f[1]!;
        pi = f[2]!;
        if (iso !== iso) {
          const old = sl.upnl[j]!;
          e += upnl - old;
          mm += pm - sl.mm[j]!;
          im += pi - sl.im[j]!;
          abs += (upnl < 0 ? -upnl : upnl) - (old < 0 ? -old : old);
        }
      }
      if (iso === iso) {
        // An isolated unit's figures are not in the account's sums: bound them here, so the need stays exact.
        const ie = iso + upnl;
        if (pi > HALF_SAFE || pm > HALF_SAFE || ie > HALF_SAFE || ie < -HALF_SAFE) return Number.NaN;
        if (ie < (onInitial ? pi : pm)) isoNeed += pi - ie;
      }
    }
    if (abs > HALF_SAFE || mm > HALF_SAFE || im > HALF_SAFE || isoNeed > HALF_SAFE) return Number.NaN;
    const need = isoNeed + (e < (onInitial ? im : mm) ? im - e : 0);
    if (need > MAX_SAFE) return Number.NaN;
    return need > 0 ? ceilDiv(need, cols.amountStep) * cols.amountStep : NO_CALL;
  }

  /** Status and call of one account from its current sums (and its isolated positions, which are few). */
  private reclassify(a: number): void {
    const { cols, out } = this;
    const lh = cols.liquidationHealth;
    const onInitial = cols.callOnInitial;
    if (out.exact[a] !== 0) {
      this.slack[a] = -Infinity;
      return;
    }
    const e = out.equity[a]!;
    const mm = out.mm[a]!;
    const im = out.im[a]!;
    if (this.absSum[a]! > HALF_SAFE || mm > HALF_SAFE || im > HALF_SAFE) {
      out.exact[a] = 1;
      this.slack[a] = -Infinity;
      return;
    }
    this.slack[a] = e - (onInitial ? im : mm);
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
      const sl = this.inst[cols.posInst[p]!]!;
      const j = this.posSlice[p]!;
      const pm = sl.mm[j]!;
      const pi = sl.im[j]!;
      const ie = iso + sl.upnl[j]!;
      const s = unitStatus(ie, pm, pi, lh);
      if (s > worst) worst = s;
      if (ie < (onInitial ? pi : pm)) need += pi - ie;
    }
    out.status[a] = worst;
    out.call[a] = need > 0 ? ceilDiv(need, cols.amountStep) * cols.amountStep : -1;
  }
}
