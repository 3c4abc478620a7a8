// prices.tick (design.md §2.1, cycles "on price changes"): a batch of live marks from a market-data feed. Each mark is
// stored, and every account the move pushes into needing a margin call, and that has no call (live or held), is
// called at once: in the dispatcher's one transaction, with its journal entry, so that a replay of the journal
// (verify --deep) runs the same command on the same ledger and issues the same calls.
//
// The decision comes first for each mark: LiveBook.screen finds the few accounts the move may push over the line
// (it never misses one), each is decided exactly at the new mark, and only then does the live book bring every
// position in the instrument up to date. Accounts that already have a call are left to the next full cycle, which
// re-sizes calls against initial margin. The live book is the console's resident book (main/resident); a door
// without one (the CLI) reads the book whole for the batch. A batch of several instants (a feed's queue, taken at once)
// is decided whole before the live book catches up, which it then does once per instrument (decideRun).
//
// Tried and dropped: committing on a writer thread with its own connection, so that the catch-up's memory
// traffic would not evict SQLite's pages from the committing core's caches (in isolation, 25 calls take 0.63 ms on
// a warm core and 1.0 ms after that traffic). On these 2-vCPU machines the woken thread often started
// milliseconds late, so the p99 got worse, not better.
import type { CommandContext } from './context.ts';
import type { InputOf, TickOutput } from '../../shared/contract.ts';
import { exactForIndex } from '../engine/evaluate.ts';
import { exactContext, type ExactContext } from '../engine/exactAccount.ts';
import { NO_CALL } from '../engine/kernel.ts';
import { MAX_SAFE } from '../engine/exactFloat.ts';
import { addMinutes } from '../engine/calls.ts';
import { InputError } from '../../shared/errors.ts';
import { normaliseTime } from '../../shared/time.ts';
import { formatAmount } from '../../shared/units.ts';
import { decimalProblem, divDec, toDec, formatDec, mulDec } from '../csv/values.ts';
import { instrumentTickOf, latestMarkOf, memberCureMinutes } from '../ledger/bookRepo.ts';
import { latestCycle } from '../ledger/cycleRepo.ts';
import { tickStatements } from './tickCommit.ts';
import { ResidentBook, moveMark, type ResidentState } from '../resident/residentBook.ts';
import { remarkOn } from '../engine/optionMarks.ts';

/** A mark in an instrument's ticks as the decimal price a feed sends (ticks x tick): the inverse of checkMarks. */
export function priceOfTicks(tick: string, ticks: bigint): string {
  return formatDec(mulDec({ n: ticks, s: 0 }, toDec(tick)));
}

interface Mark {
  instrument: string;
  ticks: bigint;
  at: string;
}

/** Each mark checked against the ledger, in order: its instrument, its price in whole ticks, and the clock rule. */
function checkMarks(ctx: CommandContext, input: InputOf<'prices.tick'>, now: string): Mark[] {
  const latest = new Map<string, string>();
  return input.marks.map((m, k) => {
    const where = (field: string) => ({ field: `marks[${k}].${field}` });
    const line = `mark ${k + 1} (${m.instrument})`;
    const inst = instrumentTickOf(ctx.db, m.instrument);
    if (!inst) throw new InputError(`${line}: no instrument ${m.instrument}`, where('instrument'));
    const problem = decimalProblem(m.price);
    if (problem) throw new InputError(`${line}: ${problem}`, where('price'));
    const price = toDec(m.price);
    if (inst.kind === 'option' ? price.n < 0n : price.n <= 0n) {
      throw new InputError(`${line}: price ${m.price} must be ${inst.kind === 'option' ? 'zero or more' : 'greater than zero'}`, where('price'));
    }
    const ticks = divDec(price, toDec(inst.tick));
    if (ticks === null) throw new InputError(`${line}: price ${formatDec(price)} is not a multiple of ${m.instrument}'s tick ${inst.tick}`, where('price'));
    if (ticks > BigInt(MAX_SAFE)) throw new InputError(`${line}: price ${m.price} is outside the range a mark may take`, where('price'));
    const at = normaliseTime(m.time, `marks[${k}].time`);
    if (at > now) throw new InputError(`${line}: its time ${at} is after now (${now}); a live mark cannot come from the future`, where('time'));
    const before = latest.get(m.instrument) ?? latestMarkOf(ctx.db, m.instrument)?.at;
    if (before !== undefined && at < before) {
      throw new InputError(`${line}: its time ${at} is before ${m.instrument}'s latest mark (${before}); marks go forward in time`, where('time'));
    }
    latest.set(m.instrument, at);
    return { instrument: m.instrument, ticks, at };
  });
}

/**
 * The calls the candidates (of the screens, in order) need once instrument `inst` is at `mark`, decided exactly:
 * LiveBook.callAt over the candidate's own positions (exact integer floats, as in the full cycle), and the BigInt
 * path for an account whose figures leave that range (book.marks already holds the new marks).
 */
function decide(st: ResidentState, candidates: ArrayLike<number>, callOf: (a: number) => number): { account: number; amount: bigint }[] {
  const calls: { account: number; amount: bigint }[] = [];
  let exact: ExactContext | null = null;
  for (let k = 0; k < candidates.length; k++) {
    const a = candidates[k]!;
    if (st.live.isIgnored(a)) continue;
    const call = callOf(a);
    if (!Number.isNaN(call)) {
      if (call !== NO_CALL) calls.push({ account: a, amount: BigInt(call) });
      continue;
    }
    exact ??= exactContext(st.book);
    const amount = exactForIndex(st.cols, exact, a).callAmount;
    if (amount !== null) calls.push({ account: a, amount });
  }
  return calls;
}

/**
 * The options the resident book marks by Black-76 (engine/optionMarks.ts) on an instrument this instant moves, at
 * their new model marks: they move with it, screened and decided like the instant's own marks, and are not stored
 * (a model mark is not a price). An option that has a price of its own in the instant leaves the model for good:
 * an imported price always wins.
 */
function remodelled(st: ResidentState, instant: readonly Mark[]): Moved[] {
  const mm = st.book.modelMarks;
  if (!mm || mm.size === 0) return [];
  const own = new Set(instant.map((m) => m.instrument));
  for (const id of own) mm.delete(id);
  const out: Moved[] = [];
  for (const m of instant) {
    for (const { id, mark } of remarkOn(st.book, m.instrument, m.ticks, m.at)) {
      const inst = st.cols.instrumentIndex.get(id);
      if (inst === undefined || own.has(id)) continue;
      mm.set(id, mark);
      if (mark.ticks === st.book.marks.get(id)) continue;
      out.push({ instrument: id, ticks: mark.ticks, at: m.at, inst, mark: Number(mark.ticks), model: true });
    }
  }
  return out;
}

type Moved = Mark & { inst: number; mark: number; model: boolean };

/** Each instant's marks (marks of one time, in order), as they came. */
function instantsOf(marks: Mark[]): Mark[][] {
  const out: Mark[][] = [];
  for (let from = 0; from < marks.length; ) {
    let to = from + 1;
    while (to < marks.length && marks[to]!.at === marks[from]!.at) to++;
    out.push(marks.slice(from, to));
    from = to;
  }
  return out;
}

export function pricesTick(ctx: CommandContext, input: InputOf<'prices.tick'>): TickOutput {
  const now = ctx.now().toISOString();
  const marks = checkMarks(ctx, input, now);
  const resident = ctx.resident ?? new ResidentBook(ctx.db);
  const st = resident.state();
  // Calls belong to a cycle: before the first one (or on a book that cannot be evaluated, which the cycle names)
  // the marks are stored and the first cycle decides the calls.
  const cycle = st ? latestCycle(ctx.db) : undefined;
  const w = tickStatements(ctx.db);
  const out: TickOutput = { stored: 0, calls: [] };
  let cure: Map<string, number> | null = null;
  /** Issues the calls an instant decided (its marks `moved`), and leaves their accounts out of later screens. */
  const issue = (calls: { account: number; amount: bigint }[], moved: Moved[]) => {
    if (calls.length === 0) return;
    const last = moved[moved.length - 1]!;
    cure ??= memberCureMinutes(ctx.db);
    const note = moved.length === 1 ? `price tick ${last.instrument} at ${last.at}` : `price tick ${moved.map((m) => m.instrument).join(', ')} at ${last.at}`;
    for (const c of calls) {
      const acct = st!.book.accounts[c.account]!;
      const deadline = addMinutes(last.at, cure.get(acct.member) ?? st!.book.policy.cureMinutes);
      const callId = w.issue({ account: acct.id, amount: c.amount, cycle: cycle!.id, deadline, at: now, actor: ctx.actor.name, note });
      out.calls.push({ account: acct.id, callId, amount: formatAmount(c.amount) });
      // Before setMark, so that the moved instrument's rebuilt watch lists already leave the new call out.
      st!.live.setIgnored(c.account, true);
    }
  };
  const instants = instantsOf(marks);
  if (st && instants.length > 1) {
    decideRun(st, instants, cycle !== undefined, (m) => (w.price({ instrument: m.instrument, at: m.at, mark: m.ticks, source: 'tick' }), out.stored++), issue, resident);
    return out;
  }
  // Each instant's catch-up (every position in its instruments brought up to date) runs before the next instant is
  // decided, and the last one's after the commit: the calls are in the ledger first.
  let catchUp: (() => void) | null = null;
  // Marks of one instant are one state of the market: they are decided together, at all of that instant's marks
  // (a hedged account is not called on one leg of a move its other leg offsets).
  for (const instant of instants) {
    catchUp?.();
    catchUp = null;
    for (const m of instant) {
      w.price({ instrument: m.instrument, at: m.at, mark: m.ticks, source: 'tick' });
      out.stored++;
    }
    if (!st) continue;
    const moved = heldMoves(st, instant);
    if (moved.length === 0) continue;
    resident.touch();
    moved.push(...remodelled(st, instant));
    const last = moved[moved.length - 1]!;
    let calls: { account: number; amount: bigint }[];
    if (moved.length === 1) {
      st.book.marks.set(last.instrument, last.ticks); // the BigInt path of decide() reads the new mark here
      calls = cycle ? decide(st, st.live.screen(last.inst, last.mark), (a) => st.live.callAt(a, last.inst, last.mark)) : [];
    } else {
      // Every mark but the last is applied to the live book now, each screened first (a screen tests one move
      // against the others as they stand); the candidates are then decided at the instant's last mark, with all the
      // others in place.
      const candidates = new Set<number>();
      for (const m of moved) {
        st.book.marks.set(m.instrument, m.ticks);
        if (cycle) for (const a of st.live.screen(m.inst, m.mark)) candidates.add(a);
        if (m !== last) moveMark(st, m.inst, m.ticks, m.at, !m.model);
      }
      calls = cycle ? decide(st, [...candidates].sort((x, y) => x - y), (a) => st.live.callAt(a, last.inst, last.mark)) : [];
    }
    issue(calls, moved);
    catchUp = () => moveMark(st, last.inst, last.ticks, last.at, !last.model);
  }
  if (catchUp) resident.afterCommit(catchUp);
  return out;
}

/** The instant's marks of instruments the live book holds, with their indices. */
function heldMoves(st: ResidentState, instant: readonly Mark[]): Moved[] {
  return instant.flatMap((m) => {
    const inst = st.cols.instrumentIndex.get(m.instrument);
    return inst === undefined ? [] : [{ ...m, inst, mark: Number(m.ticks), model: false }];
  });
}

/**
 * A batch of several instants (a feed's queue, taken at once) decided before the live book catches up with any of
 * it: one screen over the whole run (LiveBook.screenRun: every account any of its instants may push near the line),
 * then each instant, in order, decides those of the run's candidates that hold an instrument it moves, exactly, at the
 * marks as they stand at that instant (LiveBook.callAtMarks; decide()'s BigInt path, on book.marks as of the instant).
 * The live book then moves each instrument once, to its last mark, after the commit. Deciding an instant at a time with
 * the book brought up to date in between cost a catch-up of every position in the instrument per instant (about 5 ms
 * on the 100k book), so a queue taken as one command cost as much as its marks one by one.
 */
function decideRun(
  st: ResidentState,
  instants: Mark[][],
  hasCycle: boolean,
  store: (m: Mark) => void,
  issue: (calls: { account: number; amount: bigint }[], moved: Moved[]) => void,
  resident: ResidentBook,
): void {
  const applied = st.live.px.inst;
  const down = new Float64Array(applied.length);
  const up = new Float64Array(applied.length);
  const last = new Map<number, Moved>();
  const plan: Moved[][] = [];
  // The model marks an instant moves depend on the marks before it (remodelled compares with book.marks): the run is
  // walked once to plan it, book.marks then put back, and walked again to decide, instant by instant.
  const before = new Map<string, bigint | undefined>();
  for (const instant of instants) {
    for (const m of instant) store(m);
    const moved = heldMoves(st, instant);
    if (moved.length === 0) continue;
    resident.touch();
    moved.push(...remodelled(st, instant));
    for (const m of moved) {
      if (!before.has(m.instrument)) before.set(m.instrument, st.book.marks.get(m.instrument));
      st.book.marks.set(m.instrument, m.ticks);
      const from = applied[m.inst]!;
      if (m.mark < from) down[m.inst] = Math.max(down[m.inst]!, from - m.mark);
      else up[m.inst] = Math.max(up[m.inst]!, m.mark - from);
      last.set(m.inst, m);
    }
    plan.push(moved);
  }
  if (plan.length === 0) return;
  for (const [id, ticks] of before) {
    if (ticks === undefined) st.book.marks.delete(id);
    else st.book.marks.set(id, ticks);
  }
  // Who holds what the run moves, among its candidates.
  const holders = new Map<number, number[]>();
  if (hasCycle) {
    const { cols } = st;
    for (const a of st.live.screenRun([...last.keys()], down, up)) {
      for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
        const list = holders.get(cols.posInst[p]!);
        if (list && list[list.length - 1] !== a) list.push(a);
        else if (!list && last.has(cols.posInst[p]!)) holders.set(cols.posInst[p]!, [a]);
      }
    }
  }
  const marks = Float64Array.from(applied);
  for (const moved of plan) {
    const affected = new Set<number>();
    for (const m of moved) {
      st.book.marks.set(m.instrument, m.ticks);
      marks[m.inst] = m.mark;
      for (const a of holders.get(m.inst) ?? []) affected.add(a);
    }
    if (affected.size > 0) issue(decide(st, [...affected].sort((x, y) => x - y), (a) => st.live.callAtMarks(a, marks)), moved);
  }
  resident.afterCommit(() => {
    for (const m of last.values()) moveMark(st, m.inst, m.ticks, m.at, !m.model);
  });
}
