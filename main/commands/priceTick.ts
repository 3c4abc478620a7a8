// A live price tick (design.md §2.1, "on a schedule while the app is open"): the new mark is stored and every
// account that now needs a margin call and has none gets one, in one transaction with the journal entry.
// The decision comes first: LiveBook.screen finds the few accounts the move may push over the line (it never
// misses one), each is decided exactly at the new mark, and the calls are committed (tickCommit.ts). Only then
// does the live book bring every position in the instrument up to date, so the time from tick to committed call
// does not grow with the number of holders. Accounts that already have a call are left to the next full cycle,
// which re-sizes calls against initial margin.
//
// Tried and dropped: committing on a writer thread with its own connection, so that the catch-up's memory
// traffic would not evict SQLite's pages from the committing core's caches (in isolation, 25 calls take 0.63 ms on
// a warm core and 1.0 ms after that traffic). On these 2-vCPU machines the woken thread often started
// milliseconds late, so the p99 got worse, not better.
import type { CommandContext } from './context.ts';
import type { LiveBook } from '../engine/incremental.ts';
import { exactForIndex } from '../engine/evaluate.ts';
import { exactContext } from '../engine/exactAccount.ts';
import { NO_CALL } from '../engine/kernel.ts';
import type { Database } from 'better-sqlite3';
import { addMinutes } from '../engine/calls.ts';
import { InputError } from '../../shared/errors.ts';
import { tickWriter, type TickResult, type TickWrite, type TickWriter } from './tickCommit.ts';

export type { TickResult } from './tickCommit.ts';

export interface TickTiming {
  /** From the call of tick() to the commit of the price, the calls and the journal entry. */
  toCommitMs: number;
  /** Bringing every position in the instrument up to date afterwards. */
  catchUpMs: number;
}

export class PriceTicker {
  readonly live: LiveBook;
  private readonly cureMinutes: number;
  /**
   * Account ids by index, flat: reaching each call's id through its Account object cost 2-3 us a call on caches
   * the catch-up had just flushed.
   */
  private readonly ids: string[];
  /** The writer, prepared once per connection: preparing on every tick cost more than the tick. */
  private prepared: { db: Database; writer: TickWriter } | null = null;

  /**
   * `accountsWithCalls`: accounts with an open, overdue, or held (waived or escalated, not cleared) call. The
   * ticker leaves them to the next full cycle, which re-sizes live calls and knows when a waiver is outgrown.
   */
  constructor(live: LiveBook, accountsWithCalls: Iterable<string>) {
    this.live = live;
    const called: number[] = [];
    for (const id of accountsWithCalls) {
      const a = live.cols.accountIndex.get(id);
      if (a !== undefined) called.push(a);
    }
    live.ignore(called);
    this.cureMinutes = live.cols.book.policy.cureMinutes;
    this.ids = live.cols.book.accounts.map((x) => x.id);
  }

  tick(ctx: CommandContext, instrument: string, markTicks: bigint, at: string): TickResult & { timing: TickTiming } {
    const t0 = performance.now();
    const inst = this.live.cols.instrumentIndex.get(instrument);
    if (inst === undefined) throw new InputError(`unknown instrument ${instrument}`, { field: 'instrument' });
    if (markTicks <= 0n || markTicks > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError('mark out of range', { field: 'mark' });
    const mark = Number(markTicks);
    const candidates = this.live.screen(inst, mark);
    const calls = this.decide(inst, mark, markTicks, candidates);
    const w: TickWrite = {
      instrument,
      markTicks,
      at,
      now: ctx.now().toISOString(),
      actor: ctx.actor.name,
      deadline: addMinutes(at, this.cureMinutes),
      candidates: candidates.length,
      calls,
    };
    const writer = this.writerFor(ctx.db);
    const result = writer.commit(w);
    const t1 = performance.now();
    // Before setMark, so that the moved instrument's rebuilt watch lists already leave the new calls out.
    for (const c of result.issued) this.live.ignoreAccount(this.live.cols.accountIndex.get(c.account)!);
    this.live.setMark(inst, mark);
    const catchUpMs = performance.now() - t1;
    writer.afterCommit();
    return { ...result, timing: { toCommitMs: t1 - t0, catchUpMs } };
  }

  /**
   * The calls the candidates need at the new mark, in the screen's order, decided exactly: LiveBook.callAt over
   * the candidate's own positions (exact integer floats, as in the full cycle), and the BigInt path for an account
   * whose figures leave that range.
   */
  private decide(inst: number, mark: number, markTicks: bigint, candidates: Int32Array): TickWrite['calls'] {
    const calls: TickWrite['calls'] = [];
    let exactCtx: ReturnType<typeof exactContext> | null = null;
    for (const a of candidates) {
      const call = this.live.callAt(a, inst, mark);
      if (!Number.isNaN(call)) {
        if (call !== NO_CALL) calls.push({ account: this.ids[a]!, amount: BigInt(call) });
        continue;
      }
      if (!exactCtx) {
        const marks = this.marks();
        marks.set(this.live.cols.book.instruments[inst]!.id, markTicks);
        exactCtx = exactContext({ ...this.live.cols.book, marks });
      }
      const amount = exactForIndex(this.live.cols, exactCtx, a).callAmount;
      if (amount !== null) calls.push({ account: this.ids[a]!, amount });
    }
    return calls;
  }

  /** Checkpoints and restores the connection's automatic checkpointing; call when the ticker is no longer used. */
  release(): void {
    this.prepared?.writer.release();
    this.prepared = null;
  }

  private writerFor(db: Database): TickWriter {
    if (this.prepared?.db !== db) {
      this.prepared?.writer.release();
      this.prepared = { db, writer: tickWriter(db) };
    }
    return this.prepared.writer;
  }

  private marks(): Map<string, bigint> {
    const m = new Map<string, bigint>();
    this.live.cols.book.instruments.forEach((x, i) => m.set(x.id, BigInt(this.live.px.inst[i]!)));
    return m;
  }
}
