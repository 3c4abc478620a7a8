// Loads kernel.wasm (assembled from kernel.wat by npm run build:kernel, scripts/build-kernel.ts) over a copy of a book's columns in one WebAssembly memory, shared so that
// two threads can run it (parallel.ts here). The copy is made once per compiled book; per revaluation only the
// prices are written (two numbers per instrument and asset). The output columns are views into that memory with
// the layout of KernelOut, so the rest of the engine reads them as it reads the float kernel's.
import fs from 'node:fs';
import type { KernelColumns, PriceColumns } from '../columns.ts';
import type { KernelOut } from '../kernel.ts';
import { MAX_RATE_PPM, MAX_SAFE } from '../exactFloat.ts';
import { Wasm, type WasmMemory, type WasmModule } from './webassembly.ts';

/** Accounts with more positions (or more collateral rows) than this take the BigInt path: it bounds every sum. */
export const MAX_ROWS = 200;

const HEADER_BYTES = 128;
const POS_STRIDE = 24;
const COL_STRIDE = 16;
const INST_STRIDE = 128;
const TIER_STRIDE = 80;
const ASSET_STRIDE = 64;
const HAIR_STRIDE = 32;
const I64_MAX = (1n << 63n) - 1n;
const BIG_SAFE = BigInt(MAX_SAFE);
/** Below this many units (lots x ticks), units x b < 2^63 for any b < 1e6: the kernel's branch-free tier-1 path. */
const FAST_UNITS = 1n << 43n;

let cachedModule: WasmModule | undefined;

// The Electron bundle (scripts/build-electron.ts) defines this as kernel.wasm in base64, so that it reads no file.
declare const __RISKDESK_KERNEL_WASM__: string | undefined;

/** The kernel's bytes: kernel.wasm, built from kernel.wat (CI checks that the two agree). */
export function kernelBytes(): Uint8Array<ArrayBuffer> {
  const bytes =
    typeof __RISKDESK_KERNEL_WASM__ === 'string'
      ? Buffer.from(__RISKDESK_KERNEL_WASM__, 'base64')
      : fs.readFileSync(new URL('./kernel.wasm', import.meta.url));
  return new Uint8Array(bytes);
}

/** The compiled kernel module, made on first use. */
export function kernelModule(): WasmModule {
  cachedModule ??= new Wasm.Module(kernelBytes());
  return cachedModule;
}

interface KernelExports {
  revalue(header: number, from: number, to: number): void;
}

/** Byte offsets of the regions of the memory (the header repeats them for the kernel; see kernel.wat). */
export interface WasmLayout {
  header: number;
  posStart: number;
  colStart: number;
  accBig: number;
  pRec: number;
  pIso: number;
  cRec: number;
  instTab: number;
  tierTab: number;
  assetTab: number;
  hairTab: number;
  oCol: number;
  oEq: number;
  oMm: number;
  oIm: number;
  oCall: number;
  oStatus: number;
  oExact: number;
  poN: number;
  poU: number;
  poM: number;
  poI: number;
  bytes: number;
}

function layoutOf(n: { a: number; p: number; c: number; i: number; t: number; s: number; h: number }, withPos: boolean): WasmLayout {
  let at = 0;
  const take = (bytes: number) => {
    const o = at;
    at += Math.ceil(bytes / 8) * 8;
    return o;
  };
  const l = {
    header: take(HEADER_BYTES),
    posStart: take(4 * (n.a + 1)),
    colStart: take(4 * (n.a + 1)),
    accBig: take(n.a),
    pRec: take(POS_STRIDE * n.p),
    pIso: take(8 * n.p),
    cRec: take(COL_STRIDE * n.c),
    instTab: take(INST_STRIDE * n.i),
    tierTab: take(TIER_STRIDE * n.t),
    assetTab: take(ASSET_STRIDE * n.s),
    hairTab: take(HAIR_STRIDE * n.h),
    oCol: take(8 * n.a),
    oEq: take(8 * n.a),
    oMm: take(8 * n.a),
    oIm: take(8 * n.a),
    oCall: take(8 * n.a),
    oStatus: take(n.a),
    oExact: take(n.a),
    poN: withPos ? take(8 * n.p) : 0,
    poU: withPos ? take(8 * n.p) : 0,
    poM: withPos ? take(8 * n.p) : 0,
    poI: withPos ? take(8 * n.p) : 0,
  };
  return { ...l, bytes: at };
}

/**
 * Writes float64 integers into i64 slots (every `stride` bytes from `byteOffset`) as two 32-bit halves. Values
 * that are not safe integers are written as 0: they only occur on accounts flagged for the BigInt path anyway.
 */
function putI64(mem: Int32Array, byteOffset: number, src: ArrayLike<number>, stride: number): void {
  const step = stride >> 2;
  let k = byteOffset >> 2;
  for (let i = 0; i < src.length; i++, k += step) {
    const x = src[i]!;
    if (x <= MAX_SAFE && x >= -MAX_SAFE && Number.isInteger(x)) {
      const hi = Math.floor(x / 4294967296);
      mem[k] = x - hi * 4294967296; // 0 .. 2^32 - 1, stored as its 32-bit pattern
      mem[k + 1] = hi;
    } else {
      mem[k] = 0;
      mem[k + 1] = 0;
    }
  }
}

const safeBig = (x: number): bigint => (Number.isSafeInteger(x) ? BigInt(x) : 0n);

/** Everything an instance needs: structured-cloneable, so a worker builds its own WasmKernel from it. */
export interface WasmKernelInit {
  module: WasmModule;
  memory: WasmMemory;
  layout: WasmLayout;
  nAccounts: number;
  nPositions: number;
  withPositions: boolean;
  /** Per instrument K (lot-tick value) and per asset multiplier: setPrices() needs them. */
  instK: Float64Array;
  assetMul: Float64Array;
}

export class WasmKernel {
  readonly init: WasmKernelInit;
  /** Views into the kernel's memory (status/call/exact/... as KernelOut). Valid until the next revalue(). */
  readonly out: KernelOut;
  private readonly exports: KernelExports;
  private readonly i64: BigInt64Array;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;

  constructor(init: WasmKernelInit) {
    this.init = init;
    const inst = new Wasm.Instance(init.module, { env: { memory: init.memory } });
    this.exports = inst.exports as unknown as KernelExports;
    const buf = init.memory.buffer;
    this.i64 = new BigInt64Array(buf);
    this.i32 = new Int32Array(buf);
    this.f64 = new Float64Array(buf);
    const l = init.layout;
    const nA = init.nAccounts;
    const nP = init.nPositions;
    this.out = {
      collateral: new Float64Array(buf, l.oCol, nA),
      equity: new Float64Array(buf, l.oEq, nA),
      mm: new Float64Array(buf, l.oMm, nA),
      im: new Float64Array(buf, l.oIm, nA),
      status: new Uint8Array(buf, l.oStatus, nA),
      call: new Float64Array(buf, l.oCall, nA),
      exact: new Uint8Array(buf, l.oExact, nA),
      // The float kernel's working sums: this kernel keeps its sums in registers and needs none.
      scratchAbs: new Float64Array(0),
      scratchIsoNeed: new Float64Array(0),
      scratchWorst: new Uint8Array(0),
      ...(init.withPositions
        ? {
            positions: {
              notional: new Float64Array(buf, l.poN, nP),
              upnl: new Float64Array(buf, l.poU, nP),
              mm: new Float64Array(buf, l.poM, nP),
              im: new Float64Array(buf, l.poI, nP),
            },
          }
        : {}),
    };
  }

  /**
   * Copies a book's columns into a new shared memory (once per compiled book). Throws a RangeError for a policy
   * this kernel does not take (liquidationHealth of 2^21 ppm or more); the caller then keeps the float kernel.
   */
  static create(c: KernelColumns, opts: { withPositions?: boolean } = {}): WasmKernel {
    const lh = c.liquidationHealth;
    if (!(Number.isInteger(lh) && lh >= 0 && lh <= MAX_RATE_PPM)) {
      throw new RangeError(`the wasm kernel takes a liquidation health below ${MAX_RATE_PPM + 1} ppm, not ${lh}`);
    }
    if (!(Number.isSafeInteger(c.amountStep) && c.amountStep >= 1)) throw new RangeError(`bad amount step ${c.amountStep}`);
    const hc = c.assetHaircuts;
    const nS = c.assetMul.length;
    let hb = 1;
    for (let s = 0; s < nS; s++) hb = Math.max(hb, hc.start[s + 1]! - hc.start[s]!);
    const n = {
      a: c.nAccounts,
      p: c.posInst.length,
      c: c.colAsset.length,
      i: c.instK.length,
      t: c.instUnitTiers.floorUnits.length,
      s: nS,
      h: nS * hb,
    };
    const withPositions = opts.withPositions ?? false;
    const l = layoutOf(n, withPositions);
    const pages = Math.max(1, Math.ceil(l.bytes / 65536));
    const memory = new Wasm.Memory({ initial: pages, maximum: pages, shared: true });
    const buf = memory.buffer;
    const i32 = new Int32Array(buf);
    const i64 = new BigInt64Array(buf);
    const f64 = new Float64Array(buf);
    const u8 = new Uint8Array(buf);

    // Header.
    const h = l.header >> 2;
    const fields: [number, number][] = [
      [0, n.a], [4, l.posStart], [8, l.colStart], [12, l.accBig], [16, l.pRec], [20, l.pIso], [32, l.cRec], [40, l.instTab],
      [44, l.tierTab], [48, l.assetTab], [52, l.hairTab], [56, l.oCol], [60, l.oEq], [64, l.oMm], [68, l.oIm],
      [72, l.oCall], [76, l.oStatus], [80, l.oExact], [84, l.poN], [88, l.poU], [92, l.poM], [96, l.poI],
      [100, withPositions ? 1 : 0], [104, c.callOnInitial ? 1 : 0], [108, hb],
    ];
    for (const [off, v] of fields) i32[h + off / 4] = v;
    i64[(l.header + 112) / 8] = BigInt(lh);
    i64[(l.header + 120) / 8] = BigInt(c.amountStep);

    // Accounts.
    i32.set(c.posStart, l.posStart >> 2);
    i32.set(c.colStart, l.colStart >> 2);
    for (let a = 0; a < n.a; a++) {
      const tooMany = c.posStart[a + 1]! - c.posStart[a]! > MAX_ROWS || c.colStart[a + 1]! - c.colStart[a]! > MAX_ROWS;
      u8[l.accBig + a] = c.accountBig[a] !== 0 || tooMany ? 1 : 0;
    }

    // Position records, account-major: quantity, entry value, instrument | isolated bit; isolated margins apart.
    putI64(i32, l.pRec, c.posQty, POS_STRIDE);
    putI64(i32, l.pRec + 8, c.posEntry, POS_STRIDE);
    putI64(i32, l.pIso, c.posIso, 8);
    for (let p = 0, k = (l.pRec + 16) >> 2; p < n.p; p++, k += POS_STRIDE >> 2) {
      const iso = c.posIso[p]!;
      i32[k] = c.posInst[p]! | (iso === iso ? 0x80000000 : 0);
    }

    // Collateral records: quantity, asset.
    putI64(i32, l.cRec, c.colQty, COL_STRIDE);
    for (let r = 0, k = (l.cRec + 8) >> 2; r < n.c; r++, k += COL_STRIDE >> 2) i32[k] = c.colAsset[r]!;

    // Instruments and their tiers.
    const u = c.instUnitTiers;
    const ts = c.instTiers;
    for (let t = 0; t < n.t; t++) {
      const o = (l.tierTab + t * TIER_STRIDE) / 8;
      const row = [u.floorUnits[t]!, u.mA[t]!, u.mB[t]!, ts.mCumQ[t]!, ts.mCumR[t]!, u.iA[t]!, u.iB[t]!, ts.iCumQ[t]!, ts.iCumR[t]!];
      row.forEach((v, k) => (i64[o + k] = safeBig(v)));
    }
    for (let i = 0; i < n.i; i++) {
      const o = (l.instTab + i * INST_STRIDE) / 8;
      const t0 = ts.start[i]!;
      const tLast = ts.start[i + 1]! - 1;
      i64[o + 1] = -1n; // no price yet
      const f1 = t0 < tLast ? safeBig(u.floorUnits[t0 + 1]!) : I64_MAX;
      i64[o + 3] = f1 < FAST_UNITS ? f1 : FAST_UNITS;
      const first = [u.mA[t0]!, 999999 - ts.mCumR[t0]!, ts.mCumQ[t0]!, u.mB[t0]!, u.iA[t0]!, 999999 - ts.iCumR[t0]!, ts.iCumQ[t0]!, u.iB[t0]!];
      first.forEach((v, k) => (i64[o + 4 + k] = safeBig(v)));
      i32[(l.instTab + i * INST_STRIDE + 96) >> 2] = t0;
      i32[(l.instTab + i * INST_STRIDE + 100) >> 2] = tLast;
    }

    // Assets and their haircut brackets (hb rows each).
    for (let s = 0; s < nS; s++) {
      for (let k = 0; k < hb; k++) {
        const o = (l.hairTab + (s * hb + k) * HAIR_STRIDE) / 8;
        const t = hc.start[s]! + k;
        if (t < hc.start[s + 1]!) {
          i64[o] = safeBig(hc.floor[t]!);
          i64[o + 1] = safeBig(hc.mRate[t]!);
          i64[o + 2] = safeBig(hc.mCumQ[t]!);
          i64[o + 3] = safeBig(999999 - hc.mCumR[t]!);
        } else i64[o] = I64_MAX;
      }
      const o = l.assetTab + s * ASSET_STRIDE;
      i32[(o + 8) >> 2] = 1; // no price yet
      const div = c.assetDiv[s]!;
      i64[(o + 16) / 8] = safeBig(div);
      i32[(o + 24) >> 2] = s * hb;
      f64[(o + 40) / 8] = 1 / div;
    }

    return new WasmKernel({ module: kernelModule(), memory, layout: l, nAccounts: n.a, nPositions: n.p, withPositions, instK: c.instK, assetMul: c.assetMul });
  }

  /** Writes the prices the next revalue() uses (marks in ticks, asset prices), with each row's range bound. */
  setPrices(px: PriceColumns): void {
    const { layout: l, instK, assetMul } = this.init;
    const i64 = this.i64;
    for (let i = 0; i < px.inst.length; i++) {
      const o = (l.instTab + i * INST_STRIDE) / 8;
      const mark = px.inst[i]!;
      const k = instK[i]!;
      if (px.instBig[i] || !Number.isSafeInteger(mark) || mark < 0 || !Number.isSafeInteger(k) || k < 0) {
        i64[o + 1] = -1n; // every position of this instrument takes the BigInt path
        continue;
      }
      const m = BigInt(mark);
      const mk = m * BigInt(k);
      // |q| x mark x K <= 2^53 - 1 exactly when |q| <= qLimit; the mark alone also bounds units = |q| x mark.
      const per = mk > m ? mk : m > 0n ? m : 1n;
      const qLimit = BIG_SAFE / per;
      i64[o] = m;
      i64[o + 1] = qLimit;
      // Read only when qLimit >= 1, i.e. when mark x K <= 2^53 - 1 (or when q = 0).
      i64[o + 2] = qLimit > 0n ? mk : 0n;
    }
    for (let s = 0; s < px.asset.length; s++) {
      const o = l.assetTab + s * ASSET_STRIDE;
      const price = px.asset[s]!;
      const ok = !px.assetBig[s] && Number.isSafeInteger(price) && price >= 0 && Number.isSafeInteger(assetMul[s]!);
      const pm = ok ? BigInt(price) * BigInt(assetMul[s]!) : 0n;
      // Beyond i64 the float screen (which sees the true magnitude) refuses every non-zero quantity.
      i64[o / 8] = BigInt.asIntN(64, pm);
      this.i32[(o + 8) >> 2] = ok ? 0 : 1;
      this.f64[(o + 32) / 8] = Number(pm);
    }
  }

  /** Revalues accounts [from, to) at the prices last given to setPrices(). */
  revalue(from = 0, to = this.init.nAccounts): void {
    this.exports.revalue(this.init.layout.header, from, to);
  }

  /** setPrices + revalue of every account; returns `out`. */
  run(px: PriceColumns): KernelOut {
    this.setPrices(px);
    this.revalue();
    return this.out;
  }
}
