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
import { NO_CALL } from '../engine/kernel.ts';
import { callWriter } from '../ledger/callRepo.ts';
import { priceWriter } from '../ledger/priceRepo.ts';
import type { Database, Transaction } from 'better-sqlite3';
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

/** What a tick commits, decided before its transaction opens. */
interface TickWrite {
  ctx: CommandContext;
  instrument: string;
  markTicks: bigint;
  at: string;
  candidates: Int32Array;
  /** Per candidate: its call amount, or null when it needs none. */
  amounts: (bigint | null)[];
}

interface Prepared {
  db: Database;
  price: ReturnType<typeof priceWriter>;
  calls: CallWriter;
  cycle: number;
  autoCheckpoint: number;
  commit: Transaction<(w: TickWrite) => TickResult>;
}

export class PriceTicker {
  readonly live: LiveBook;
  /** Accounts (by index) that have an open or overdue call. */
  private readonly called: Uint8Array;
  private readonly cureMinutes: number;
  /** Statements prepared once per ledger connection: preparing them on every tick cost more than the tick. */
  private prepared: Prepared | null = null;
  private commitsSinceCheckpoint = 0;

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
    const result = this.statements(db).commit.immediate({ ctx, instrument, markTicks, at, candidates, amounts });
    const t1 = performance.now();
    for (const c of result.issued) this.called[this.live.cols.accountIndex.get(c.account)!] = 1;
    this.live.setMark(inst, mark);
    if (++this.commitsSinceCheckpoint >= 100) {
      db.pragma('wal_checkpoint(PASSIVE)');
      this.commitsSinceCheckpoint = 0;
    }
    return { ...result, timing: { toCommitMs: t1 - t0, catchUpMs: performance.now() - t1 } };
  }

  /** The tick's writes, inside its transaction: the price, each call with its event, the journal entry. */
  private commitTick(db: Database, w: TickWrite): TickResult {
    const { ctx, instrument, markTicks, at, candidates, amounts } = w;
    const { price, calls, cycle } = this.prepared!;
    price({ instrument, at, mark: markTicks, source: 'tick' });
    const issued: TickResult['issued'] = [];
    const now = ctx.now().toISOString();
    const actor = ctx.actor.name;
    const deadline = addMinutes(at, this.cureMinutes);
    const note = `price tick ${instrument} at ${at}`;
    const accounts = this.live.cols.book.accounts;
    for (let k = 0; k < candidates.length; k++) {
      const amount = amounts[k]!;
      if (amount === null) continue;
      const account = accounts[candidates[k]!]!.id;
      const id = calls.insert({ account, cycle, amount, deadline, at: now });
      calls.event(id, { at: now, actor, kind: 'issued', amount, note });
      issued.push({ call: id, account, amount: formatAmount(amount) });
    }
    const r: TickResult = { instrument, at, candidates: candidates.length, issued };
    appendJournal(db, { at: now, actor, command: 'prices.tick', payload: { instrument, at, mark: markTicks }, result: r });
    return r;
  }

  /**
   * Each candidate's call amount at the new mark (null: none needed), decided exactly: LiveBook.callAt over the
   * candidate's own positions (exact integer floats, as in the full cycle), and the BigInt path for an account
   * whose figures leave that range.
   */
  private callAmounts(inst: number, mark: number, markTicks: bigint, candidates: Int32Array): (bigint | null)[] {
    const amounts: (bigint | null)[] = [];
    let exactCtx: ReturnType<typeof exactContext> | null = null;
    for (const a of candidates) {
      const call = this.live.callAt(a, inst, mark);
      if (call === call) {
        amounts.push(call === NO_CALL ? null : BigInt(call));
        continue;
      }
      if (!exactCtx) {
        const marks = this.marks();
        marks.set(this.live.cols.book.instruments[inst]!.id, markTicks);
        exactCtx = exactContext({ ...this.live.cols.book, marks });
      }
      amounts.push(exactForIndex(this.live.cols, exactCtx, a).callAmount);
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

  private statements(db: Database): Prepared {
    if (this.prepared?.db !== db) {
      const cycle = latestCycle(db);
      if (!cycle) throw new InputError('run a full margin cycle before live ticks');
      // SQLite's automatic checkpoint runs inside whichever commit fills the WAL, putting milliseconds into a
      // tick's path to its call. The ticker checkpoints after its commits instead (see tick) and gives the
      // connection its setting back in release().
      const autoCheckpoint = Number(db.pragma('wal_autocheckpoint', { simple: true }));
      db.pragma('wal_autocheckpoint = 0');
      // The transaction function too: making one per tick cost more than an empty transaction.
      const commit = db.transaction((w: TickWrite) => this.commitTick(db, w));
      this.prepared = { db, price: priceWriter(db), calls: callWriter(db), cycle: cycle.id, autoCheckpoint, commit };
    }
    return this.prepared;
  }

  private marks(): Map<string, bigint> {
    const m = new Map<string, bigint>();
    this.live.cols.book.instruments.forEach((x, i) => m.set(x.id, BigInt(this.live.px.inst[i]!)));
    return m;
  }
}
