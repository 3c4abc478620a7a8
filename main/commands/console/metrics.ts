// The metrics desks read (issue 21 item 3): margin ratio, utilisation and excess beside the figures, and the price
// move per underlying to call, liquidation and bankruptcy, in the account detail and as columns of Accounts.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { AccountMetrics, AccountsMoves, MoveView, PriceAt, UnderlyingMovesView } from '../../../shared/contractMetrics.ts';
import type { AccountResult } from '../../engine/results.ts';
import type { Move } from '../../engine/priceMoves.ts';
import { movePercent } from '../../engine/priceMoves.ts';
import { accountMoves, nearestMove, positionPrices, ratio, type UnderlyingMoves } from '../../engine/accountMoves.ts';
import { liquidationPriceOfSolution } from '../../engine/liquidationPrice.ts';
import { isolatedUnits } from '../../engine/marginUnits.ts';
import { evaluateBook, accountResult } from '../../engine/evaluate.ts';
import { latestCycle } from '../../ledger/cycleRepo.ts';
import { readCycleBook } from '../../ledger/bookRepo.ts';
import { readCycleResults } from '../../ledger/cycleResults.ts';
import { journalHead } from '../../ledger/journal.ts';
import { formatAmount } from '../../../shared/units.ts';
import type { AccountSnapshot } from './accountView.ts';

/** Margin ratio, utilisation and excess of totals over every unit (micro-USD), as the accounts table shows them. */
export function ratios(equity: bigint, mm: bigint, im: bigint): Pick<AccountMetrics, 'marginRatio' | 'utilisation' | 'excess'> {
  return {
    marginRatio: equity > 0n ? ratio(mm, equity) : null,
    utilisation: equity > 0n ? ratio(im, equity) : null,
    excess: formatAmount(equity - im),
  };
}

const pct = (m: Move | null): string | null => (m === null ? null : movePercent(m));

function nearestView(ms: UnderlyingMoves[], which: 'call' | 'liquidation' | 'bankruptcy'): MoveView | null {
  const n = nearestMove(ms, which);
  return n && { underlying: n.underlying, percent: movePercent(n.move), already: n.move.num === 0n };
}

export function metricsOf(s: AccountSnapshot, r: AccountResult): AccountMetrics {
  const iso = isolatedUnits(r);
  const ms = accountMoves(r, s.book, s.book, s.instruments, s.assets);
  const moves: UnderlyingMovesView[] = ms.map((m) => ({ underlying: m.underlying, call: pct(m.call), liquidation: pct(m.liquidation), bankruptcy: pct(m.bankruptcy) }));
  const priceAt = (m: Move | null, tick: string, mark: bigint): PriceAt | null =>
    m && { price: liquidationPriceOfSolution({ num: m.num, den: m.den, tier: 0 }, tick), already: m.num === mark * m.den };
  const positions = positionPrices(r, s.book, s.book, s.instruments).map((x, k) => {
    const tick = s.instruments.get(x.instrument)!.tick;
    const mark = s.book.marks.get(s.book.positions[k]!.instrument)!;
    return { instrument: x.instrument, call: priceAt(x.call, tick, mark), liquidation: priceAt(x.liquidation, tick, mark), zeroEquity: priceAt(x.zeroEquity, tick, mark) };
  });
  return {
    ...ratios(r.equity + (iso?.equity ?? 0n), r.mm + (iso?.mm ?? 0n), r.im + (iso?.im ?? 0n)),
    moves,
    positions,
    nearest: { call: nearestView(ms, 'call'), liquidation: nearestView(ms, 'liquidation'), bankruptcy: nearestView(ms, 'bankruptcy') },
  };
}

/** The last moves made on each connection, with the ledger state they were made at (as accounts.list keeps its table). */
const lastMoves = new WeakMap<Database, { state: string; moves: AccountsMoves }>();

export function accountsMovesCommand(ctx: CommandContext, _input: InputOf<'accounts.moves'>): AccountsMoves {
  const cycle = latestCycle(ctx.db);
  if (!cycle) return { cycle: null, columns: { id: [], toCall: [], toLiquidation: [], toBankruptcy: [] } };
  const state = `${cycle.id} ${journalHead(ctx.db).hash}`;
  const last = lastMoves.get(ctx.db);
  if (last?.state === state) return last.moves;
  const { book } = readCycleBook(ctx.db, cycle.asOf);
  const ev = evaluateBook(book, true);
  const { cols } = ev;
  const instruments = new Map(book.instruments.map((x) => [x.id, x]));
  const assets = new Map(book.assets.map((x) => [x.id, x]));
  const byId = new Map<string, UnderlyingMoves[]>();
  for (let a = 0; a < cols.nAccounts; a++) {
    const r = accountResult(ev, a);
    // The rows in the order the evaluation holds them, so that r.positions[k] is rows.positions[k].
    const rows = {
      positions: Array.from(cols.posOrig.subarray(cols.posStart[a]!, cols.posStart[a + 1]!), (k) => book.positions[k]!),
      collateral: Array.from(cols.colOrig.subarray(cols.colStart[a]!, cols.colStart[a + 1]!), (k) => book.collateral[k]!),
    };
    byId.set(r.id, accountMoves(r, rows, book, instruments, assets));
  }
  const ids = readCycleResults(ctx.db, cycle.id).ids;
  const of = (which: 'call' | 'liquidation' | 'bankruptcy') => ids.map((id) => nearestView(byId.get(id) ?? [], which));
  const moves: AccountsMoves = { cycle: cycle.id, columns: { id: [...ids], toCall: of('call'), toLiquidation: of('liquidation'), toBankruptcy: of('bankruptcy') } };
  lastMoves.set(ctx.db, { state, moves });
  return moves;
}
