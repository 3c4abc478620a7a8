// A live price tick (design.md §2.1, "on a schedule while the app is open"): the new mark is stored and every
// account that now needs a margin call and has none gets one, in one transaction with the journal entry.
// The decision comes first: LiveBook.screen finds the few accounts the move may push over the line (it never
// misses one), each is evaluated exactly at the new mark, and the calls are committed. Only then does the live
// book bring every position in the instrument up to date, so the time from tick to committed call does not grow
// with the number of holders. Accounts that already have a call are left to the next full cycle, which re-sizes
// calls against initial margin.
import type { CommandContext } from './context.ts';
import type { LiveBook } from '../engine/incremental.ts';
import { exactForIndex } from '../engine/evaluate.ts';
import { exactContext } from '../engine/exactAccount.ts';
import { allocOut, revalue, NO_CALL, type KernelOut } from '../engine/kernel.ts';
import { callWriter } from '../ledger/callRepo.ts';
import { priceWriter } from '../ledger/priceRepo.ts';
import type { Database } from 'better-sqlite3';
import type { CallWriter } from '../ledger/callRepo.ts';
import { appendJournal } from '../ledger/journal.ts';
import { latestCycle } from '../ledger/cycleRepo.ts';
import { addMinutes } from '../engine/calls.ts';
import { formatAmount } from '../../shared/units.ts';
import { InputError } from '../../shared/errors.ts';

export interface TickResult {
  instrument: string;
  at: string;
  /** Accounts the screen sent to exact evaluation. */
  candidates: number;
  issued: { call: number; account: string; amount: string }[];
}

export interface TickTiming {
  /** From the call of tick() to the commit of the price, the calls and the journal entry. */
  toCommitMs: number;
  /** Bringing every position in the instrument up to date afterwards. */
  catchUpMs: number;
}

export class PriceTicker {
  readonly live: LiveBook;
  /** Accounts (by index) that have an open or overdue call. */
  private readonly called: Uint8Array;
  private readonly cureMinutes: number;
  /** Statements prepared once per ledger connection: preparing them on every tick cost more than the tick. */
  private prepared: { db: Database; price: ReturnType<typeof priceWriter>; calls: CallWriter; cycle: number; autoCheckpoint: number } | null = null;
  private commitsSinceCheckpoint = 0;
  /** Kernel output the candidates are evaluated into (one slot per account, allocated on first use). */
  private scratch: KernelOut | null = null;

  /**
   * `accountsWithCalls`: accounts with an open, overdue, or held (waived or escalated, not cleared) call. The
   * ticker leaves them to the next full cycle, which re-sizes live calls and knows when a waiver is outgrown.
   */
  constructor(live: LiveBook, accountsWithCalls: Iterable<string>) {
    this.live = live;
    this.called = new Uint8Array(live.cols.nAccounts);
    for (const id of accountsWithCalls) {
      const a = live.cols.accountIndex.get(id);
      if (a !== undefined) this.called[a] = 1;
    }
    this.cureMinutes = live.cols.book.policy.cureMinutes;
  }

  tick(ctx: CommandContext, instrument: string, markTicks: bigint, at: string): TickResult & { timing: TickTiming } {
    const t0 = performance.now();
    const inst = this.live.cols.instrumentIndex.get(instrument);
    if (inst === undefined) throw new InputError(`unknown instrument ${instrument}`, { field: 'instrument' });
    if (markTicks <= 0n || markTicks > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError('mark out of range', { field: 'mark' });
    const { db } = ctx;
    const mark = Number(markTicks);
    const candidates = this.live.screen(inst, mark, this.called);
    const amounts = this.callAmounts(inst, mark, markTicks, candidates);
    const result = db
      .transaction((): TickResult => {
        const { price, calls: w, cycle } = this.statements(db);
        price({ instrument, at, mark: markTicks, source: 'tick' });
        const issued: TickResult['issued'] = [];
        const now = ctx.now().toISOString();
        for (let k = 0; k < candidates.length; k++) {
          const amount = amounts[k]!;
          if (amount === null) continue;
          const account = this.live.cols.book.accounts[candidates[k]!]!.id;
          const id = w.insert({ account, cycle, amount, deadline: addMinutes(at, this.cureMinutes), at: now });
          w.event(id, { at: now, actor: ctx.actor.name, kind: 'issued', amount, note: `price tick ${instrument} at ${at}` });
          issued.push({ call: id, account, amount: formatAmount(amount) });
        }
        const r: TickResult = { instrument, at, candidates: candidates.length, issued };
        appendJournal(db, { at: now, actor: ctx.actor.name, command: 'prices.tick', payload: { instrument, at, mark: markTicks }, result: r });
        return r;
      })
      .immediate();
    const t1 = performance.now();
    for (const c of result.issued) this.called[this.live.cols.accountIndex.get(c.account)!] = 1;
    this.live.setMark(inst, mark);
    if (++this.commitsSinceCheckpoint >= 100) {
      db.pragma('wal_checkpoint(PASSIVE)');
      this.commitsSinceCheckpoint = 0;
    }
    return { ...result, timing: { toCommitMs: t1 - t0, catchUpMs: performance.now() - t1 } };
  }

  /**
   * Each candidate's call amount at the new mark (null: none needed), decided exactly: the integer kernel over the
   * candidate's own positions (exact below 2^53, as in the full cycle), and the BigInt path for an account it flags.
   */
  private callAmounts(inst: number, mark: number, markTicks: bigint, candidates: Int32Array): (bigint | null)[] {
    if (candidates.length === 0) return [];
    const cols = this.live.cols;
    const px = this.live.px;
    const out = (this.scratch ??= allocOut(cols.nAccounts));
    const amounts: (bigint | null)[] = [];
    const before = px.inst[inst]!;
    px.inst[inst] = mark;
    try {
      let exactCtx: ReturnType<typeof exactContext> | null = null;
      for (const a of candidates) {
        revalue(cols, px, out, a, a + 1);
        if (out.exact[a] === 0) {
          amounts.push(out.call[a] === NO_CALL ? null : BigInt(out.call[a]!));
          continue;
        }
        if (!exactCtx) {
          const marks = this.marks();
          marks.set(cols.book.instruments[inst]!.id, markTicks);
          exactCtx = exactContext({ ...cols.book, marks });
        }
        amounts.push(exactForIndex(cols, exactCtx, a).callAmount);
      }
    } finally {
      px.inst[inst] = before;
    }
    return amounts;
  }

  /** Checkpoints and restores the connection's automatic checkpointing; call when the ticker is no longer used. */
  release(): void {
    if (!this.prepared) return;
    this.prepared.db.pragma('wal_checkpoint(PASSIVE)');
    this.prepared.db.pragma(`wal_autocheckpoint = ${this.prepared.autoCheckpoint}`);
    this.prepared = null;
  }

  private statements(db: Database): { price: ReturnType<typeof priceWriter>; calls: CallWriter; cycle: number } {
    if (this.prepared?.db !== db) {
      const cycle = latestCycle(db);
      if (!cycle) throw new InputError('run a full margin cycle before live ticks');
      // SQLite's automatic checkpoint runs inside whichever commit fills the WAL, putting milliseconds into a
      // tick's path to its call. The ticker checkpoints after its commits instead (see tick) and gives the
      // connection its setting back in release().
      const autoCheckpoint = Number(db.pragma('wal_autocheckpoint', { simple: true }));
      db.pragma('wal_autocheckpoint = 0');
      this.prepared = { db, price: priceWriter(db), calls: callWriter(db), cycle: cycle.id, autoCheckpoint };
    }
    return this.prepared;
  }

  private marks(): Map<string, bigint> {
    const m = new Map<string, bigint>();
    this.live.cols.book.instruments.forEach((x, i) => m.set(x.id, BigInt(this.live.px.inst[i]!)));
    return m;
  }
}
