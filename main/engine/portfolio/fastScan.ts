// The combined commodities of the kernel's accounts, on exact float integers (methodology §4, §9): after a kernel
// run has given every portfolio account its tiered part (a portfolio instrument has a zero tier), this adds each
// commodity's MM and IM and decides status and call again, by the same rules as the kernel's pass 3 (results.ts).
// Same figures as the BigInt path (scan.ts), to the unit: every value here is an integer below 2^53, checked by a
// bound on its terms, and an account that might leave that range, or whose commodity a spread names (credits are
// decimal work), is flagged for the BigInt path instead.
import type { BookColumns } from '../columns.ts';
import type { KernelOut } from '../kernel.ts';
import { NO_CALL, unitStatus } from '../kernel.ts';
import { MAX_SAFE, MAX_RATE_PPM, ceilDiv, mulRateCeil } from '../exactFloat.ts';
import type { InstrumentRisk } from './riskArrays.ts';
import { SCENARIO_COUNT } from './scenarios.ts';

/** Per account of the book, its portfolio positions grouped by commodity (compiled once per columns). */
interface Plan {
  /** Accounts to scan, and for each its commodities' range in `commStart`. */
  accounts: Int32Array;
  acctComm: Int32Array;
  /** Per commodity: its positions' range in `posIdx`, its lot scale (10^-scale contracts), whether a spread names it. */
  commStart: Int32Array;
  commScale: Int32Array;
  commSpread: Uint8Array;
  /** Account-major position index (into cols.posInst / posQty). */
  posIdx: Int32Array;
}

const plans = new WeakMap<BookColumns, Plan>();

function planOf(cols: BookColumns): Plan {
  const hit = plans.get(cols);
  if (hit) return hit;
  const book = cols.book;
  const spreadUnderlyings = new Set((book.market?.spreads ?? []).flatMap((s) => s.legs.map((l) => l.underlying)));
  const accounts: number[] = [];
  const acctComm: number[] = [0];
  const commStart: number[] = [0];
  const commScale: number[] = [];
  const commSpread: number[] = [];
  const posIdx: number[] = [];
  for (let a = 0; a < cols.nAccounts; a++) {
    if (cols.accountPortfolio[a] === 0 || cols.accountBig[a] !== 0) continue;
    const byUnderlying = new Map<string, number[]>();
    for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
      const x = book.instruments[cols.posInst[p]!]!;
      if (x.margin !== 'portfolio') continue;
      const list = byUnderlying.get(x.underlying);
      if (list) list.push(p);
      else byUnderlying.set(x.underlying, [p]);
    }
    accounts.push(a);
    for (const [u, ps] of byUnderlying) {
      posIdx.push(...ps);
      commStart.push(posIdx.length);
      commScale.push(Math.max(...ps.map((p) => lotScale(book.instruments[cols.posInst[p]!]!.lot))));
      commSpread.push(spreadUnderlyings.has(u) ? 1 : 0);
    }
    acctComm.push(commScale.length);
  }
  const plan: Plan = {
    accounts: Int32Array.from(accounts),
    acctComm: Int32Array.from(acctComm),
    commStart: Int32Array.from(commStart),
    commScale: Int32Array.from(commScale),
    commSpread: Uint8Array.from(commSpread),
    posIdx: Int32Array.from(posIdx),
  };
  plans.set(cols, plan);
  return plan;
}

function lotScale(lot: string): number {
  const dot = lot.indexOf('.');
  return dot < 0 ? 0 : lot.length - dot - 1;
}

/** Per instrument: array values x lot numerator (float), per scale step; and the short option minimum likewise. */
interface InstrumentFloats {
  /** 16 per instrument: array[s] x lotNum, the contracts of one lot over 10^lotScale. */
  arr: Float64Array;
  /** max |arr| per instrument, for the range bound. */
  maxAbs: Float64Array;
  som: Float64Array;
  lotScale: Int32Array;
  imMult: Float64Array;
  /** 1 where an instrument's figures do not fit floats exactly. */
  big: Uint8Array;
}

function instrumentFloats(cols: BookColumns, risk: Map<string, InstrumentRisk>): InstrumentFloats {
  const n = cols.book.instruments.length;
  const f: InstrumentFloats = {
    arr: new Float64Array(n * SCENARIO_COUNT),
    maxAbs: new Float64Array(n),
    som: new Float64Array(n),
    lotScale: new Int32Array(n),
    imMult: new Float64Array(n),
    big: new Uint8Array(n),
  };
  cols.book.instruments.forEach((x, i) => {
    const r = risk.get(x.id);
    if (!r) return;
    const safe = (v: bigint) => v <= BigInt(MAX_SAFE) && v >= -BigInt(MAX_SAFE);
    let most = 0;
    for (let s = 0; s < SCENARIO_COUNT; s++) {
      const v = r.array[s]! * r.lot.num;
      if (!safe(v)) f.big[i] = 1;
      f.arr[i * SCENARIO_COUNT + s] = Number(v);
      most = Math.max(most, Math.abs(Number(v)));
    }
    f.maxAbs[i] = most;
    const som = (x.option?.shortOptionMinimum ?? 0n) * r.lot.num;
    if (!safe(som)) f.big[i] = 1;
    f.som[i] = Number(som);
    f.lotScale[i] = r.lot.scale;
    const m = x.portfolio!.imMultiplier;
    if (m > BigInt(MAX_RATE_PPM)) f.big[i] = 1;
    f.imMult[i] = Number(m);
  });
  return f;
}

const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * Adds the combined commodities to the kernel's figures of every portfolio account it can do exactly, and flags the
 * rest (out.exact) for the BigInt path. `risk` is the book's (exactContext).
 */
export function applyPortfolio(cols: BookColumns, out: KernelOut, risk: Map<string, InstrumentRisk>): void {
  if (risk.size === 0) return;
  const plan = planOf(cols);
  const f = instrumentFloats(cols, risk);
  const lh = cols.liquidationHealth;
  const onInitial = cols.callOnInitial;
  const step = cols.amountStep;
  // Hoisted: the loop below runs once per portfolio position of the book.
  const { accounts, acctComm, commStart, commScale, commSpread, posIdx } = plan;
  const { arr, maxAbs, som: somOf, lotScale: lotScaleOf, imMult: imMultOf, big } = f;
  const { posInst, posQty } = cols;
  const { exact, equity, mm: outMm, im: outIm } = out;
  for (let k = 0; k < accounts.length; k++) {
    const a = accounts[k]!;
    if (exact[a] !== 0) continue;
    let addMm = 0;
    let addIm = 0;
    let ok = true;
    for (let c = acctComm[k]!, cEnd = acctComm[k + 1]!; c < cEnd && ok; c++) {
      const scale = commScale[c]!;
      if (commSpread[c] !== 0 || scale >= POW10.length) {
        ok = false;
        break;
      }
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0, s8 = 0, s9 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0, s14 = 0, s15 = 0;
      let bound = 0;
      let som = 0;
      let imMult = 0;
      for (let j = commStart[c]!, jEnd = commStart[c + 1]!; j < jEnd; j++) {
        const p = posIdx[j]!;
        const i = posInst[p]!;
        const q = posQty[p]!;
        if (q === 0) continue;
        if (big[i] !== 0) {
          ok = false;
          break;
        }
        // Contracts over 10^scale: q lots x lotNum x 10^(scale - lotScale).
        const up = POW10[scale - lotScaleOf[i]!]!;
        const qs = q * up;
        const qa = qs < 0 ? -qs : qs;
        bound += qa * maxAbs[i]!;
        if (!(bound <= MAX_SAFE)) {
          ok = false;
          break;
        }
        // The 16 scenario sums in locals (registers), not an array: this is the loop over every option position.
        const base = i * SCENARIO_COUNT;
        s0 += qs * arr[base + 0]!;
        s1 += qs * arr[base + 1]!;
        s2 += qs * arr[base + 2]!;
        s3 += qs * arr[base + 3]!;
        s4 += qs * arr[base + 4]!;
        s5 += qs * arr[base + 5]!;
        s6 += qs * arr[base + 6]!;
        s7 += qs * arr[base + 7]!;
        s8 += qs * arr[base + 8]!;
        s9 += qs * arr[base + 9]!;
        s10 += qs * arr[base + 10]!;
        s11 += qs * arr[base + 11]!;
        s12 += qs * arr[base + 12]!;
        s13 += qs * arr[base + 13]!;
        s14 += qs * arr[base + 14]!;
        s15 += qs * arr[base + 15]!;
        if (qs < 0 && somOf[i] !== 0) {
          som += qa * somOf[i]!;
          if (!(som <= MAX_SAFE)) {
            ok = false;
            break;
          }
        }
        if (imMultOf[i]! > imMult) imMult = imMultOf[i]!;
      }
      if (!ok) break;
      const worst = Math.min(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15);
      const d = POW10[scale]!;
      const scan = worst < 0 ? (d === 1 ? -worst : ceilDiv(-worst, d)) : 0;
      const minimum = d === 1 ? som : ceilDiv(som, d);
      const mm = scan > minimum ? scan : minimum;
      addMm += mm;
      addIm += mulRateCeil(mm, imMult, 0);
    }
    const e = equity[a]!;
    const mm = outMm[a]! + addMm;
    const im = outIm[a]! + addIm;
    if (!ok || mm > MAX_SAFE || im > MAX_SAFE || im - e > MAX_SAFE) {
      exact[a] = 1;
      continue;
    }
    outMm[a] = mm;
    outIm[a] = im;
    // A cross-only account (columns.ts sends the others to BigInt): the kernel's pass 3 with no isolated units.
    out.status[a] = unitStatus(e, mm, im, lh);
    const need = e < (onInitial ? im : mm) ? im - e : 0;
    out.call[a] = need > 0 ? ceilDiv(need, step) * step : NO_CALL;
  }
}
