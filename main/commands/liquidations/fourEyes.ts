// Four eyes that cannot be sliced (issue 14), and the band a fill's price must keep to. One home for both rules:
// every door reaches them through the liquidation commands.
//
// The threshold (policy fourEyesNotional) bounds what ONE person moves on ONE account without a second person, over
// a rolling window (fourEyesWindowMinutes) ending at the act: the liquidations they approved alone (each one's
// notional while it is live or executed; once rejected or superseded, the share of it that was filled) and the fills
// they entered on liquidations someone else approved alone (each fill's share of its order's notional at the
// estimated price). A liquidation a second supervisor confirmed has had its four eyes and counts for nobody. So
// eleven approvals just under the threshold, with fills and cycles between them, add up and the one that crosses it
// waits for a second supervisor.
import type { Database } from 'better-sqlite3';
import type { Instrument, Policy } from '../../engine/model.ts';
import type { LiquidationRow } from '../../ledger/liquidationRepo.ts';
import { soleApprovalsSince, fillsOnOthersSince, fillsBySince, type OrderShare } from '../../ledger/fourEyesRepo.ts';
import { lotsNotional } from '../../engine/lotValue.ts';
import { readMarks } from '../../ledger/bookRepo.ts';
import { RuleError } from '../../../shared/errors.ts';
import { divRound, formatAmount, formatUnits, unitsOf } from '../../../shared/units.ts';

const MOVED = new Set(['approved', 'executing', 'executed']);

/** The start of the window that ends at `now`, as the ledger spells times. */
export function windowStart(now: Date, policy: Pick<Policy, 'fourEyesWindowMinutes'>): string {
  return new Date(now.getTime() - policy.fourEyesWindowMinutes * 60_000).toISOString();
}

/** An order's notional share of `lots` of its lots, rounded up (what is moved is never understated). */
function share(o: OrderShare, lots: bigint): bigint {
  return o.lots === 0n ? 0n : divRound(o.notional * lots, o.lots, 'ceil');
}

/** What `actor` moved on `account` since `since` with nobody's second approval, micro-USD. */
export function movedAlone(db: Database, account: string, actor: string, since: string): bigint {
  let sum = 0n;
  for (const a of soleApprovalsSince(db, account, actor, since)) {
    if (MOVED.has(a.status)) sum += a.notional;
    else for (const o of a.orders) sum += share(o, o.filledLots);
  }
  for (const f of fillsOnOthersSince(db, account, actor, since)) sum += share(f.order, f.lots);
  return sum;
}

function windowText(policy: Policy): string {
  const m = policy.fourEyesWindowMinutes;
  return m % 60 === 0 ? `${m / 60} h` : `${m} min`;
}

/**
 * Whether approving `l` needs a second supervisor: its own notional is above the threshold, or it would take what
 * `actor` moved alone on the account within the window above it. The reason names the figures.
 */
export function approvalNeedsFourEyes(db: Database, policy: Policy, l: LiquidationRow, actor: string, now: Date): string | null {
  const limit = policy.fourEyesNotional;
  if (l.notional > limit) return `liquidation ${l.id} closes ${formatAmount(l.notional)}, above the four-eyes threshold ${formatAmount(limit)}`;
  const moved = movedAlone(db, l.account, actor, windowStart(now, policy));
  if (moved + l.notional <= limit) return null;
  return (
    `${actor} has moved ${formatAmount(moved)} on account ${l.account} in the last ${windowText(policy)} without a second approver; ` +
    `with liquidation ${l.id}'s ${formatAmount(l.notional)} that is ${formatAmount(moved + l.notional)}, above the four-eyes threshold ${formatAmount(limit)}`
  );
}

/**
 * Why a fill of `lots` of order `o` would take what `actor` moved alone on the account above the threshold, or null.
 * Fills on a liquidation the actor approved were counted when it was approved (a fill never exceeds the approved
 * lots), and a confirmed liquidation has had its four eyes. The command enforces it (allowed/liquidations.ts).
 */
export function fillOverFourEyes(db: Database, policy: Policy, l: LiquidationRow, o: OrderShare, lots: bigint, actor: string, now: Date): string | null {
  if (l.confirmedBy !== null || l.approvedBy === actor) return null;
  const limit = policy.fourEyesNotional;
  const moved = movedAlone(db, l.account, actor, windowStart(now, policy));
  const add = share(o, lots);
  if (moved + add <= limit) return null;
  return (
    `${actor} has moved ${formatAmount(moved)} on account ${l.account} in the last ${windowText(policy)} without a second approver; ` +
    `this fill's ${formatAmount(add)} would take it to ${formatAmount(moved + add)}, above the four-eyes threshold ${formatAmount(limit)}: ` +
    `a liquidation a second supervisor confirmed can be filled`
  );
}

/**
 * Whether an off-band fill needs a second supervisor: its notional at its price, with every fill the same person
 * entered on the account within the window (at their prices), is above the threshold. So off-band fills sliced
 * under the threshold add up like approvals do; fills a second supervisor confirmed count too (conservative: the
 * next off-band slice waits for one).
 */
export function offBandNeedsSecond(
  db: Database,
  policy: Policy,
  instruments: ReadonlyMap<string, Instrument>,
  l: LiquidationRow,
  actor: string,
  notional: bigint,
  now: Date,
): boolean {
  let sum = notional;
  for (const f of fillsBySince(db, l.account, actor, windowStart(now, policy))) sum += lotsNotional(instruments.get(f.instrument)!, f.lots, f.price);
  return sum > policy.fourEyesNotional;
}

export interface FillJudgement {
  /** The mark the price was judged against (ticks) and when it was taken. */
  mark: bigint;
  markAt: string;
  /** The band, ppm of the mark. */
  band: bigint;
  /** |price - mark| / |mark|, ppm, rounded up. */
  movePpm: bigint;
  offBand: boolean;
}

/** A fill price against the instrument's latest mark at `asOf` and its fill band; exact, no float. */
export function judgeFillPrice(db: Database, inst: Instrument, price: bigint, asOf: string, band: bigint): FillJudgement {
  const m = readMarks(db, asOf).get(inst.id);
  if (!m) throw new RuleError('no_mark', `${inst.id} has no mark at or before ${asOf}: a fill price cannot be judged against it`);
  const diff = price > m.mark ? price - m.mark : m.mark - price;
  const base = m.mark < 0n ? -m.mark : m.mark;
  const offBand = base === 0n ? diff !== 0n : diff * 1_000_000n > band * base;
  const movePpm = base === 0n ? 0n : divRound(diff * 1_000_000n, base, 'ceil');
  return { mark: m.mark, markAt: m.at, band, movePpm, offBand };
}

/** The judgement in words, for refusals and the desk's event notes. */
export function judgementText(inst: Instrument, price: bigint, j: FillJudgement): string {
  const pct = (ppm: bigint) => `${formatUnits(ppm, 4)}%`;
  return `${unitsOf(price, inst.tick)} is ${pct(j.movePpm)} from the ${inst.id} mark ${unitsOf(j.mark, inst.tick)} (at ${j.markAt}); the fill band is ${pct(j.band)}`;
}
