// What an import may not do to the instrument lifecycle: re-rate a funding time already paid (or add one behind the
// paid ones, when positions have moved since), re-price a future already settled, or open a position in a future
// that has expired. Each refusal names the file, row and column, and the whole file is refused.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { CsvRef, Rows } from '../../csv/types.ts';
import { InputError } from '../../../shared/errors.ts';
import { formatUnits } from '../../../shared/units.ts';
import { FUNDING_RATE_SCALE } from '../../engine/funding.ts';
import { deliveryAssetOf } from '../../ledger/deliveryRepo.ts';
import { fundingPaidThrough, paidFundingRate } from '../../ledger/fundingRepo.ts';
import { importedSettlementPrice, settlementOf } from '../../ledger/expiryRepo.ts';
import { optionExpiryOf } from '../../ledger/optionRepo.ts';
import { normaliseTime } from '../../../shared/time.ts';

type LifecycleRows = Extract<Rows, { kind: 'funding-rates' | 'settlement-prices' | 'deliveries' }>;

/**
 * Why a rate for the instrument's funding time `at` cannot be stored (a file's row, a feed's mark), naming the column
 * at fault, or null: a paid time keeps the rate it was paid at (the same rate again changes nothing), and a time
 * behind the last one paid comes too late to be paid on the positions held then.
 */
export function fundingRateProblem(db: Database, instrument: string, at: string, rate: bigint): { message: string; column: 'rate' | 'time' } | null {
  const paid = paidFundingRate(db, instrument, at);
  if (paid !== undefined) {
    if (paid === rate) return null;
    return {
      message: `funding of ${instrument} at ${at} was paid at rate ${formatUnits(paid, FUNDING_RATE_SCALE)}: a paid interval cannot be re-rated to ${formatUnits(rate, FUNDING_RATE_SCALE)} (book a correction instead)`,
      column: 'rate',
    };
  }
  const through = fundingPaidThrough(db, instrument);
  if (through !== null && at < through) {
    return { message: `funding of ${instrument} is paid through ${through}: a rate for ${at} comes too late to be paid on the positions held then`, column: 'time' };
  }
  return null;
}

export function guardLifecycleImport(ctx: CommandContext, parsed: LifecycleRows): void {
  const where = (row: number, column: string) => ({ file: parsed.file, row: row + 1, column });
  if (parsed.kind === 'funding-rates') {
    parsed.rows.forEach((x, r) => {
      const problem = fundingRateProblem(ctx.db, x.instrument, normaliseTime(x.at), x.rate);
      if (problem) throw new InputError(problem.message, where(r, problem.column === 'time' ? 'at' : 'rate'));
    });
    return;
  }
  if (parsed.kind === 'deliveries') {
    parsed.rows.forEach((x, r) => {
      const s = settlementOf(ctx.db, x.instrument);
      if (s && deliveryAssetOf(ctx.db, x.instrument) !== x.asset) throw new InputError(`${x.instrument} was settled at expiry on ${s.settledAt}: how it settles cannot change`, where(r, 'asset'));
    });
    return;
  }
  parsed.rows.forEach((x, r) => {
    const o = optionExpiryOf(ctx.db, x.instrument);
    if (o && importedSettlementPrice(ctx.db, x.instrument) !== x.price) {
      throw new InputError(`${x.instrument} expired on ${o.settledAt} against its underlying at ${o.underlyingPrice}: that price cannot change`, where(r, 'price'));
    }
    const s = settlementOf(ctx.db, x.instrument);
    if (s && s.price !== x.price) {
      throw new InputError(`${x.instrument} was settled at expiry on ${s.settledAt} (${s.rule === 'imported' ? 'imported price' : 'its last mark'}): its settlement price cannot change`, where(r, 'price'));
    }
  });
}

/** A position may be closed (quantity 0) in an expired future, never opened or changed. */
export function refuseExpiredPositions(ctx: CommandContext, parsed: Extract<Rows, { kind: 'positions' }>, ref: CsvRef): void {
  const now = ctx.now().toISOString();
  // One reading per instrument, not per row: a book's file holds a million rows on a few dozen instruments.
  const expiries = new Map<string, string | null>();
  const expiryOf = (id: string): string | null => {
    let e = expiries.get(id);
    if (e === undefined) {
      const raw = ref.instrument(id)?.expiry;
      expiries.set(id, (e = raw ? normaliseTime(raw) : null));
    }
    return e;
  };
  parsed.rows.forEach((x, r) => {
    if (x.quantity === 0n) return;
    const expiry = expiryOf(x.instrument);
    if (expiry !== null && expiry <= now) {
      throw new InputError(`instrument ${x.instrument} expired at ${expiry}: no position can be opened or changed in it`, { file: parsed.file, row: r + 1, column: 'instrument' });
    }
  });
}

/**
 * An expiry that has passed is history: moving it (to reopen a settled future, or to keep an expired one out of
 * settlement) is refused, and so is an expiry put before now on a future that did not have one passed.
 */
export function guardExpiryChanges(ctx: CommandContext, parsed: Extract<Rows, { kind: 'instruments' }>, ref: CsvRef): void {
  const now = ctx.now().toISOString();
  parsed.rows.forEach((x, r) => {
    const old = ref.instrument(x.id);
    const before = old?.expiry ? normaliseTime(old.expiry) : null;
    const after = x.expiry ? normaliseTime(x.expiry) : null;
    if (!old || before === after) return;
    const settled = settlementOf(ctx.db, x.id);
    if (settled || (before !== null && before <= now)) {
      throw new InputError(
        `instrument ${x.id} ${settled ? `was settled at expiry on ${settled.settledAt}` : `expired at ${before}`}: its expiry cannot move to ${after ?? 'none'}`,
        { file: parsed.file, row: r + 1, column: 'expiry' },
      );
    }
  });
}
