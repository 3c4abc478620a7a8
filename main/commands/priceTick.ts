// A live price tick (design.md §2.1, "on a schedule while the app is open"): the new mark is stored, the live book
// revalues only the positions in that instrument, and every account that now needs a margin call and has none
// gets one, in one transaction with the journal entry. Accounts that already have a call are left to the next
// full cycle, which re-sizes calls against initial margin.
import type { CommandContext } from './context.ts';
import type { LiveBook } from '../engine/incremental.ts';
import { exactForIndex } from '../engine/evaluate.ts';
import { exactContext } from '../engine/exactAccount.ts';
import { callWriter } from '../ledger/callRepo.ts';
import { insertPrice } from '../ledger/priceRepo.ts';
import { appendJournal } from '../ledger/journal.ts';
import { latestCycle } from '../ledger/cycleRepo.ts';
import { addMinutes } from '../engine/calls.ts';
import { formatAmount } from '../../shared/units.ts';
import { InputError } from '../../shared/errors.ts';

export interface TickResult {
  instrument: string;
  at: string;
  accountsRevalued: number;
  issued: { call: number; account: string; amount: string }[];
}

export class PriceTicker {
  readonly live: LiveBook;
  /** Accounts (by index) that have an open or overdue call. */
  private readonly called: Uint8Array;
  private readonly cureMinutes: number;

  constructor(live: LiveBook, accountsWithCalls: Iterable<string>) {
    this.live = live;
    this.called = new Uint8Array(live.cols.nAccounts);
    for (const id of accountsWithCalls) {
      const a = live.cols.accountIndex.get(id);
      if (a !== undefined) this.called[a] = 1;
    }
    this.cureMinutes = live.cols.book.policy.cureMinutes;
  }

  tick(ctx: CommandContext, instrument: string, markTicks: bigint, at: string): TickResult {
    const inst = this.live.cols.instrumentIndex.get(instrument);
    if (inst === undefined) throw new InputError(`unknown instrument ${instrument}`, { field: 'instrument' });
    if (markTicks <= 0n || markTicks > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError('mark out of range', { field: 'mark' });
    const { db } = ctx;
    return db
      .transaction((): TickResult => {
        insertPrice(db, { instrument, at, mark: markTicks, source: 'tick' });
        const touched = this.live.setMark(inst, Number(markTicks));
        const out = this.live.out;
        const cycle = latestCycle(db);
        if (!cycle) throw new InputError('run a full margin cycle before live ticks');
        const w = callWriter(db);
        const issued: TickResult['issued'] = [];
        const now = ctx.now().toISOString();
        let exactCtx: ReturnType<typeof exactContext> | null = null;
        for (let j = 0; j < touched.length; j++) {
          const a = touched[j]!;
          if (this.called[a]) continue;
          let amount: bigint | null;
          if (out.exact[a]) {
            exactCtx ??= exactContext({ ...this.live.cols.book, marks: this.marks() });
            amount = exactForIndex(this.live.cols, exactCtx, a).callAmount;
          } else {
            const c = out.call[a]!;
            amount = c < 0 ? null : BigInt(c);
          }
          if (amount === null) continue;
          const account = this.live.cols.book.accounts[a]!.id;
          const id = w.insert({ account, cycle: cycle.id, amount, deadline: addMinutes(at, this.cureMinutes), at: now });
          w.event(id, { at: now, actor: ctx.actor.name, kind: 'issued', amount, note: `price tick ${instrument} at ${at}` });
          this.called[a] = 1;
          issued.push({ call: id, account, amount: formatAmount(amount) });
        }
        const result: TickResult = { instrument, at, accountsRevalued: touched.length, issued };
        appendJournal(db, { at: now, actor: ctx.actor.name, command: 'prices.tick', payload: { instrument, at, mark: markTicks }, result });
        return result;
      })
      .immediate();
  }

  private marks(): Map<string, bigint> {
    const m = new Map<string, bigint>();
    this.live.cols.book.instruments.forEach((x, i) => m.set(x.id, BigInt(this.live.px.inst[i]!)));
    return m;
  }
}
