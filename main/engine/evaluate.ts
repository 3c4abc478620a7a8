// Evaluates a whole book: the float kernel for every account it can do exactly (portfolio accounts' commodities
// added by portfolio/fastScan.ts), the BigInt path for the rest.
// This is the engine's one entry point for account figures; the margin cycle, the what-if and the tests use it.
import type { Book, Collateral, Position } from './model.ts';
import type { Figures } from './calls.ts';
import type { AccountResult, PositionResult } from './results.ts';
import type { AccountInput } from './liquidationPlan.ts';
import { compileBook, priceColumns, type BookColumns } from './columns.ts';
import { allocOut, revalue, STATUS_CODES, NO_CALL, type KernelOut } from './kernel.ts';
import { exactContext, exactAccount, unitStatusExact, type ExactContext } from './exactAccount.ts';
import type { PriceColumns } from './columns.ts';
import { WasmKernel } from './wasm/loader.ts';
import { applyPortfolio } from './portfolio/fastScan.ts';

export interface Evaluation {
  cols: BookColumns;
  /**
   * The kernel's figures. From the wasm kernel these are views into its memory, cached per BookColumns: the next
   * evaluateBook on the same `cols` overwrites them, so read what you need before evaluating those columns again.
   */
  out: KernelOut;
  /** Exact results of the accounts the kernel could not do (index -> result). */
  exact: Map<number, AccountResult>;
  ctx: ExactContext;
}

/** The wasm kernel of each compiled book (its columns copied into wasm memory once), or null where it refused. */
const wasmKernels = new WeakMap<BookColumns, WasmKernel | null>();

/** The columns changed in place (a resident book's holdings): the next evaluation copies them into wasm again. */
export function forgetKernel(cols: BookColumns): void {
  if (wasmKernels.get(cols) !== null) wasmKernels.delete(cols);
}

function wasmKernelFor(cols: BookColumns, withPositions: boolean): WasmKernel | null {
  let k = wasmKernels.get(cols);
  if (k === null) return null;
  if (k === undefined || (withPositions && !k.init.withPositions)) {
    try {
      k = WasmKernel.create(cols, { withPositions });
    } catch (e) {
      // A policy it does not take (liquidation health >= 2^21 ppm) or a memory it cannot have: the float kernel.
      if (!(e instanceof RangeError)) throw e;
      wasmKernels.set(cols, null);
      return null;
    }
    wasmKernels.set(cols, k);
  }
  return k;
}

/** The kernel's figures at `px`: the wasm kernel's (live views, see Evaluation.out), or the float kernel's. */
function runKernel(cols: BookColumns, px: PriceColumns, withPositions: boolean): KernelOut {
  const k = wasmKernelFor(cols, withPositions);
  if (k === null) {
    const out = allocOut(cols.nAccounts, withPositions ? cols.posInst.length : undefined);
    revalue(cols, px, out);
    return out;
  }
  const { positions, ...accounts } = k.run(px);
  return withPositions ? { ...accounts, positions: positions! } : accounts;
}

/** Runs the kernel over the book and the BigInt path over the accounts it flagged. */
export function evaluateBook(book: Book, withPositions = false, cols: BookColumns = compileBook(book)): Evaluation {
  const px = priceColumns(cols, book.marks, book.assetPrices);
  const out = runKernel(cols, px, withPositions);
  const ctx = exactContext(book);
  if (withPositions) {
    // Per-position detail comes with each commodity's scenarios from the BigInt path.
    for (let a = 0; a < cols.nAccounts; a++) if (cols.accountPortfolio[a] !== 0) out.exact[a] = 1;
  } else {
    applyPortfolio(cols, out, ctx.risk);
  }
  const exact = new Map<number, AccountResult>();
  for (let a = 0; a < cols.nAccounts; a++) {
    if (out.exact[a]) exact.set(a, exactForIndex(cols, ctx, a));
  }
  return { cols, out, exact, ctx };
}

export function exactForIndex(cols: BookColumns, ctx: ExactContext, a: number): AccountResult {
  return exactAccount(
    ctx,
    cols.book.accounts[a]!.id,
    cols.posOrig.subarray(cols.posStart[a]!, cols.posStart[a + 1]!),
    cols.colOrig.subarray(cols.colStart[a]!, cols.colStart[a + 1]!),
  );
}

/** The account-level result of account index `a`, from the kernel or the BigInt path. */
export function accountResult(ev: Evaluation, a: number): AccountResult {
  const ex = ev.exact.get(a);
  if (ex) return ex;
  const { cols, out } = ev;
  const positions: PositionResult[] = [];
  const po = out.positions;
  for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
    const pos = cols.book.positions[cols.posOrig[p]!]!;
    if (!po) break;
    const upnl = BigInt(po.upnl[p]!);
    const mm = BigInt(po.mm[p]!);
    const im = BigInt(po.im[p]!);
    let isolated = null;
    if (pos.isolatedMargin !== null) {
      // Isolated units are few; their status is cheap to recompute exactly from the kernel's exact figures.
      const e = pos.isolatedMargin + upnl;
      isolated = { equity: e, mm, im, status: unitStatusExact(e, mm, im, cols.book.policy.liquidationHealth) };
    }
    positions.push({ instrument: pos.instrument, quantity: pos.quantity, notional: BigInt(po.notional[p]!), upnl, mm, im, isolated });
  }
  const call = out.call[a]!;
  return {
    id: cols.book.accounts[a]!.id,
    collateralValue: BigInt(out.collateral[a]!),
    equity: BigInt(out.equity[a]!),
    mm: BigInt(out.mm[a]!),
    im: BigInt(out.im[a]!),
    status: STATUS_CODES[out.status[a]!]!,
    callAmount: call === NO_CALL ? null : BigInt(call),
    positions,
  };
}

/** Every account's result with per-position detail, in book order. */
export function evaluateAccounts(book: Book): AccountResult[] {
  const ev = evaluateBook(book, true);
  const res: AccountResult[] = [];
  for (let a = 0; a < ev.cols.nAccounts; a++) res.push(accountResult(ev, a));
  return res;
}

/** Account `a` of an evaluation as the liquidation planner takes it: its holdings and its cross part's exact figures. */
export function planInputOf(ev: Evaluation, a: number): AccountInput {
  const { cols, out } = ev;
  const ex = ev.exact.get(a);
  const book = cols.book;
  // A resident book keeps a closed slot at quantity 0 (main/resident): the planner sees only what is held. (Plain
  // loops: a cycle after a futures move plans thousands of accounts, and Array.from over a subarray and a filter
  // cost more than the plan's own arithmetic for a small one.)
  const positions: Position[] = [];
  for (let p = cols.posStart[a]!, end = cols.posStart[a + 1]!; p < end; p++) {
    const x = book.positions[cols.posOrig[p]!]!;
    if (x.quantity !== 0n) positions.push(x);
  }
  const collateral: Collateral[] = [];
  for (let c = cols.colStart[a]!, end = cols.colStart[a + 1]!; c < end; c++) {
    const x = book.collateral[cols.colOrig[c]!]!;
    if (x.quantity !== 0n) collateral.push(x);
  }
  return { id: book.accounts[a]!.id, positions, collateral, cross: ex ?? { equity: BigInt(out.equity[a]!), mm: BigInt(out.mm[a]!), im: BigInt(out.im[a]!) } };
}

/** An account's figures from an evaluation: its exact ones where it was decided exactly, else the kernel's. */
export function figuresOf(ev: Evaluation, a: number): Figures {
  const ex = ev.exact.get(a);
  if (ex) return { collateral: ex.collateralValue, equity: ex.equity, mm: ex.mm, im: ex.im, status: ex.status, call: ex.callAmount };
  const o = ev.out;
  const call = o.call[a]!;
  return {
    collateral: BigInt(o.collateral[a]!),
    equity: BigInt(o.equity[a]!),
    mm: BigInt(o.mm[a]!),
    im: BigInt(o.im[a]!),
    status: STATUS_CODES[o.status[a]!]!,
    call: call === NO_CALL ? null : BigInt(call),
  };
}
