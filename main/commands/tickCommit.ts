// The ledger side of a price tick. tickStatements: the statements prices.tick (priceTick.ts) writes a mark and a
// call with, prepared once per connection, run inside the dispatcher's transaction. tickWriter: the whole write of
// a tick in the journal's older form (one mark per entry, `{instrument, at, mark}`), kept so that verify --deep
// replays ledgers whose journals hold such entries.
import type { Database, Transaction } from 'better-sqlite3';
import { callWriter } from '../ledger/callRepo.ts';
import { priceWriter } from '../ledger/priceRepo.ts';
import { appendJournal } from '../ledger/journal.ts';
import { latestCycle } from '../ledger/cycleRepo.ts';
import { checkpointWal, pauseAutoCheckpoint } from '../ledger/db.ts';
import { formatAmount } from '../../shared/units.ts';
import { InputError } from '../../shared/errors.ts';

export interface TickResult {
  instrument: string;
  at: string;
  /** Accounts the screen sent to exact evaluation. */
  candidates: number;
  issued: { call: number; account: string; amount: string }[];
}

/** The statements of prices.tick, prepared once per connection (preparing on every tick cost more than the tick). */
export interface TickStatements {
  price(p: { instrument: string; at: string; mark: bigint; source: string }): void;
  /** An open call with its 'issued' event; its id. */
  issue(c: { account: string; amount: bigint; cycle: number; deadline: string; at: string; actor: string; note: string }): number;
}

const prepared = new WeakMap<Database, TickStatements>();

export function tickStatements(db: Database): TickStatements {
  let s = prepared.get(db);
  if (!s) {
    const calls = callWriter(db);
    s = {
      price: priceWriter(db),
      issue(c) {
        const id = calls.insert({ account: c.account, cycle: c.cycle, amount: c.amount, deadline: c.deadline, at: c.at });
        calls.event(id, { at: c.at, actor: c.actor, kind: 'issued', amount: c.amount, note: c.note });
        return id;
      },
    };
    prepared.set(db, s);
  }
  return s;
}

/** What a tick of the older journal form committed. */
export interface TickWrite {
  instrument: string;
  markTicks: bigint;
  /** Market time of the mark. */
  at: string;
  /** Wall-clock time of the command (the journal's and the calls' time). */
  now: string;
  actor: string;
  /** The calls' deadline (the mark's time plus the policy's cure period). */
  deadline: string;
  candidates: number;
  /** The calls to issue, in the screen's order. */
  calls: { account: string; amount: bigint }[];
}

/** Writes ticks on one connection; call release() when done with it. */
export interface TickWriter {
  commit(w: TickWrite): TickResult;
  /** Housekeeping after a commit (the periodic checkpoint), off the tick's path to its call. */
  afterCommit(): void;
  release(): void;
}

/** Checkpoint after this many tick commits (the connection's automatic checkpoint is off while ticking). */
const CHECKPOINT_EVERY = 100;

/**
 * Prepares a tick's statements and transaction once for the connection. SQLite's automatic checkpoint runs
 * inside whichever commit fills the WAL, putting milliseconds into a tick's path to its call: the writer turns it
 * off, checkpoints after every hundredth commit instead (restarting the WAL there, so that the fsync of its new
 * header is not the next tick's: checkpointWal), and gives the connection its setting back in release().
 */
export function tickWriter(db: Database): TickWriter {
  const cycle = latestCycle(db);
  if (!cycle) throw new InputError('run a full margin cycle before live ticks');
  const price = priceWriter(db);
  const calls = callWriter(db);
  const restoreAutoCheckpoint = pauseAutoCheckpoint(db);
  let sinceCheckpoint = 0;
  // Made once: a transaction function made per tick cost more than an empty transaction.
  const txn: Transaction<(w: TickWrite) => TickResult> = db.transaction((w: TickWrite): TickResult => {
    price({ instrument: w.instrument, at: w.at, mark: w.markTicks, source: 'tick' });
    const note = `price tick ${w.instrument} at ${w.at}`;
    const ids = calls.issueAll(w.calls, { cycle: cycle.id, deadline: w.deadline, at: w.now, actor: w.actor, note });
    const issued: TickResult['issued'] = w.calls.map((c, k) => ({ call: ids[k]!, account: c.account, amount: formatAmount(c.amount) }));
    const r: TickResult = { instrument: w.instrument, at: w.at, candidates: w.candidates, issued };
    appendJournal(db, { at: w.now, actor: w.actor, command: 'prices.tick', payload: { instrument: w.instrument, at: w.at, mark: w.markTicks }, result: r });
    return r;
  });
  return {
    commit: (w) => txn.immediate(w),
    afterCommit() {
      if (++sinceCheckpoint < CHECKPOINT_EVERY) return;
      checkpointWal(db);
      sinceCheckpoint = 0;
    },
    release: restoreAutoCheckpoint,
  };
}
