// Stress testing (methodology §8.3): every scenario revalues the whole book at shocked marks with the margin engine
// itself (evaluateBook: the integer kernel, the BigInt path where it must), and sums each member's P&L exactly.
// Pure: the book, the scenarios and the member list come in; progress goes out through a callback.
//
// Definitions (per member m, scenario s):
// - an account's total equity = cross equity (collateral after haircut + unrealised P&L of cross positions) plus each
//   isolated position's equity (isolated margin + unrealised P&L);
// - marginHeld_m = the sum of its accounts' total equity at the base marks (what it holds, marked to market);
// - pnl_m,s = the sum of (total equity at the shocked marks - at the base marks); stressLoss = -pnl;
// - uncovered_m,s = the sum over its accounts of max(0, stressLoss_a - marginHeld_a) = max(0, -shocked equity_a):
//   the §8.3 formula per account, then summed, because margin is held per account (client margin is segregated: one
//   client's excess does not cover another's loss, nor the house account's);
// - Cover-1_s = the largest uncovered loss, Cover-2_s = the sum of the two largest; Cover-1 and Cover-2 are each the
//   worst over the scenarios (ties: the earlier scenario), compared with the prefunded resources.
// A shock is a relative move of an underlying's price, applied to the mark of every instrument on it (rounded to the
// instrument's tick, half-even) and to the price of a collateral asset with the same id (rounded half-even to the
// asset's price unit). A scenario's shock must be above -1.
import type { Book } from './model.ts';
import { compileBook, type BookColumns } from './columns.ts';
import { evaluateBook, type Evaluation } from './evaluate.ts';
import { divRound } from '../../shared/units.ts';

export interface Shock {
  /** num / den, den > 0 (a power of ten): the relative move, e.g. -3717 / 10000. */
  num: bigint;
  den: bigint;
}

export interface StressScenarioInput {
  id: string;
  shocks: ReadonlyMap<string, Shock>;
}

export interface MemberStress {
  member: string;
  marginHeld: bigint;
  pnl: bigint;
  stressLoss: bigint;
  uncovered: bigint;
}

export interface ScenarioStress {
  id: string;
  /** Every member, largest uncovered first (ties by member id). */
  members: MemberStress[];
  cover1: bigint;
  cover2: bigint;
}

export interface CoverResult {
  amount: bigint;
  scenario: string | null;
  members: string[];
}

export interface StressResult {
  scenarios: ScenarioStress[];
  cover1: CoverResult;
  cover2: CoverResult;
}

/** Progress: `done` of `total` revaluations (the base, then one per scenario). */
export type StressProgress = (done: number, total: number, scenario: string | null) => void;

export function shockedPrice(price: bigint, s: Shock): bigint {
  return divRound(price * (s.den + s.num), s.den, 'halfEven');
}

/** The book's marks and asset prices moved by a scenario. */
export function shockBook(book: Book, shocks: ReadonlyMap<string, Shock>): Book {
  const underlying = new Map(book.instruments.map((i) => [i.id, i.underlying]));
  const marks = new Map<string, bigint>();
  for (const [id, mark] of book.marks) {
    const s = shocks.get(underlying.get(id) ?? '');
    marks.set(id, s ? shockedPrice(mark, s) : mark);
  }
  const assetPrices = new Map<string, bigint>();
  for (const [id, price] of book.assetPrices) {
    const s = shocks.get(id);
    assetPrices.set(id, s ? shockedPrice(price, s) : price);
  }
  return { ...book, marks, assetPrices };
}

/** Every account's total equity (cross + isolated units), in book order. */
export function totalEquities(ev: Evaluation): bigint[] {
  const { cols, out } = ev;
  const res = new Array<bigint>(cols.nAccounts);
  for (let a = 0; a < cols.nAccounts; a++) {
    const ex = ev.exact.get(a);
    if (ex) {
      let e = ex.equity;
      for (const p of ex.positions) if (p.isolated) e += p.isolated.equity;
      res[a] = e;
      continue;
    }
    let e = BigInt(out.equity[a]!);
    for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
      const iso = cols.posIso[p]!;
      if (!Number.isNaN(iso)) e += BigInt(iso) + BigInt(out.positions!.upnl[p]!);
    }
    res[a] = e;
  }
  return res;
}

function memberSums(cols: BookColumns, equities: bigint[], members: readonly string[]): Map<string, bigint> {
  const sums = new Map<string, bigint>(members.map((m) => [m, 0n]));
  for (let a = 0; a < cols.nAccounts; a++) {
    const m = cols.book.accounts[a]!.member;
    sums.set(m, (sums.get(m) ?? 0n) + equities[a]!);
  }
  return sums;
}

/** Per member, the sum of its accounts' deficits max(0, -equity). */
function memberDeficits(cols: BookColumns, equities: bigint[], members: readonly string[]): Map<string, bigint> {
  const sums = new Map<string, bigint>(members.map((m) => [m, 0n]));
  for (let a = 0; a < cols.nAccounts; a++) {
    const e = equities[a]!;
    if (e >= 0n) continue;
    const m = cols.book.accounts[a]!.member;
    sums.set(m, (sums.get(m) ?? 0n) - e);
  }
  return sums;
}

const byUncovered = (x: MemberStress, y: MemberStress): number =>
  x.uncovered === y.uncovered ? (x.member < y.member ? -1 : x.member > y.member ? 1 : 0) : x.uncovered > y.uncovered ? -1 : 1;

/**
 * The stress run as steps: the base valuation, then one scenario per step, each step reporting progress. The
 * synchronous runStress drains it at once; a door that must stay responsive (progress events, a cancel) awaits
 * between steps.
 */
export function* stressSteps(
  book: Book,
  members: readonly string[],
  scenarios: readonly StressScenarioInput[],
  progress?: StressProgress,
): Generator<void, StressResult, void> {
  const total = scenarios.length + 1;
  const cols = compileBook(book);
  const base = memberSums(cols, totalEquities(evaluateBook(book, true, cols)), members);
  progress?.(1, total, null);
  yield;
  const out: ScenarioStress[] = [];
  const cover1: CoverResult = { amount: 0n, scenario: null, members: [] };
  const cover2: CoverResult = { amount: 0n, scenario: null, members: [] };
  for (const [k, s] of scenarios.entries()) {
    const equities = totalEquities(evaluateBook(shockBook(book, s.shocks), true, cols));
    const shocked = memberSums(cols, equities, members);
    const deficits = memberDeficits(cols, equities, members);
    const rows: MemberStress[] = [...base.keys()].map((m) => {
      const held = base.get(m)!;
      const pnl = shocked.get(m)! - held;
      return { member: m, marginHeld: held, pnl, stressLoss: -pnl, uncovered: deficits.get(m)! };
    });
    rows.sort(byUncovered);
    const c1 = rows[0]?.uncovered ?? 0n;
    const c2 = c1 + (rows[1]?.uncovered ?? 0n);
    out.push({ id: s.id, members: rows, cover1: c1, cover2: c2 });
    if (cover1.scenario === null || c1 > cover1.amount) Object.assign(cover1, { amount: c1, scenario: s.id, members: rows.slice(0, 1).map((r) => r.member) });
    if (cover2.scenario === null || c2 > cover2.amount) Object.assign(cover2, { amount: c2, scenario: s.id, members: rows.slice(0, 2).map((r) => r.member) });
    progress?.(k + 2, total, s.id);
    if (k < scenarios.length - 1) yield;
  }
  return { scenarios: out, cover1, cover2 };
}

export function runStress(book: Book, members: readonly string[], scenarios: readonly StressScenarioInput[], progress?: StressProgress): StressResult {
  const steps = stressSteps(book, members, scenarios, progress);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
