// Automation switches, circuit breakers and the funds (methodology §7): whether automation may execute a proposal,
// tripping a breaker when a price leaves its band, and the desk's view of it all.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { AutomationStatus, BreakerView, InputOf } from '../../../shared/contract.ts';
import type { LiquidationRow } from '../../ledger/liquidationRepo.ts';
import { readOrders } from '../../ledger/liquidationRepo.ts';
import { readSwitches, writeSwitch } from '../../ledger/automationRepo.ts';
import { trippedBreakers, recentBreakers, lastResets, bandedInstruments, markRange, tripBreaker, resetBreaker, type BreakerRow } from '../../ledger/breakerRepo.ts';
import { fundBalance } from '../../ledger/fundRepo.ts';
import { openShortfalls } from '../../ledger/shortfallRepo.ts';
import { readPolicy, readInstruments } from '../../ledger/bookRepo.ts';
import { memberStatuses } from '../../ledger/memberRepo.ts';
import { readAccount } from '../../ledger/consoleRepo.ts';
import { addMinutes } from '../../engine/calls.ts';
import { formatAmount, formatUnits, divRound } from '../../../shared/units.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';
import { formatMoney } from '../../../shared/format.ts';
import { ticksToPrice } from '../console/accountView.ts';

export interface Verdict {
  allowed: boolean;
  why: string;
}

/** What automation may touch right now, read once for a cycle or a list. */
export interface AutomationState {
  global: boolean;
  instrumentsOff: Set<string>;
  accountsOff: Set<string>;
  tripped: Set<string>;
  fourEyesNotional: bigint;
  memberStatus: Map<string, string>;
}

export function automationState(db: Database): AutomationState {
  const switches = readSwitches(db);
  return {
    global: switches.some((s) => s.scope === 'global' && s.enabled),
    instrumentsOff: new Set(switches.filter((s) => s.scope === 'instrument' && !s.enabled).map((s) => s.target)),
    accountsOff: new Set(switches.filter((s) => s.scope === 'account' && !s.enabled).map((s) => s.target)),
    tripped: new Set(trippedBreakers(db).map((b) => b.instrument)),
    fourEyesNotional: readPolicy(db).fourEyesNotional,
    memberStatus: memberStatuses(db),
  };
}

/** Whether automation may execute a proposal for `account` closing `instruments` for `notional`, and why not. */
export function verdictFor(st: AutomationState, p: { status: string; account: string; member: string; notional: bigint; instruments: string[] }): Verdict {
  // Every reason that holds automation back, not just the first: a tripped breaker must show while the switch is off.
  const why: string[] = [];
  if (p.status !== 'proposed') why.push(`it is ${p.status.replace('_', ' ')}`);
  if (!st.global) why.push('automation is off');
  const ms = st.memberStatus.get(p.member);
  if (ms === 'defaulted' || ms === 'suspended') why.push(`member ${p.member} is ${ms}`);
  if (st.accountsOff.has(p.account)) why.push(`automation is off for account ${p.account}`);
  for (const i of p.instruments) {
    if (st.tripped.has(i)) why.push(`the ${i} circuit breaker is tripped`);
    if (st.instrumentsOff.has(i)) why.push(`automation is off for ${i}`);
  }
  if (p.notional > st.fourEyesNotional) {
    why.push(`notional ${formatMoney(formatAmount(p.notional))} is above the four-eyes threshold ${formatMoney(formatAmount(st.fourEyesNotional))}`);
  }
  if (why.length > 0) return { allowed: false, why: why.join('; ') };
  return { allowed: true, why: 'executes at the next cycle unless the desk acts first' };
}

export function verdictOfRow(db: Database, st: AutomationState, l: LiquidationRow): Verdict {
  const instruments = readOrders(db, l.id)
    .filter((o) => o.lots > 0n)
    .map((o) => o.instrument);
  return verdictFor(st, { status: l.status, account: l.account, member: l.member, notional: l.notional, instruments });
}

/**
 * The move a breaker judges, in time order: from the extreme reached first to the other one, measured from the
 * first (a fall from 39,809.3 to 35,032.2 is 12.0%, not 13.6% of the low). Exact: (to - from) / from in ppm.
 */
export function orderedMove(r: { low: bigint; high: bigint; lowAt: string; highAt: string }): { from: bigint; to: bigint; ppm: bigint } {
  const rising = r.lowAt <= r.highAt;
  const from = rising ? r.low : r.high;
  const to = rising ? r.high : r.low;
  const diff = to > from ? to - from : from - to;
  return { from, to, ppm: from > 0n ? divRound(diff * 1_000_000n, from, 'halfEven') : 0n };
}

/**
 * Trips the breaker of every banded instrument whose marks within the band window up to `asOf` (and since its last
 * reset) moved more than its band, from the extreme reached first to the other: |to - from| > band x from, in exact
 * integers. Returns the new trips.
 */
export function checkBreakers(db: Database, asOf: string, windowMinutes: number, at: string): BreakerRow[] {
  const tripped = new Set(trippedBreakers(db).map((b) => b.instrument));
  const resets = lastResets(db);
  const windowStart = addMinutes(asOf, -windowMinutes);
  const out: BreakerRow[] = [];
  for (const { id, band } of bandedInstruments(db)) {
    if (tripped.has(id)) continue;
    const reset = resets.get(id);
    const from = reset !== undefined && reset > windowStart ? reset : windowStart;
    const r = markRange(db, id, from, asOf);
    if (!r || r.n < 2 || r.low <= 0n) continue;
    const m = orderedMove(r);
    if ((m.to > m.from ? m.to - m.from : m.from - m.to) * 1_000_000n <= band * m.from) continue;
    const row = { instrument: id, trippedAt: at, windowFrom: from, windowTo: asOf, low: r.low, high: r.high, band };
    const bid = tripBreaker(db, row);
    out.push({ ...row, id: bid, resetAt: null, resetBy: null, resetReason: null });
  }
  return out;
}

function breakerView(db: Database, b: BreakerRow, tick: string): BreakerView {
  // The order of the extremes is read back from the window's marks; a window whose marks were since replaced falls
  // back to the stored low and high as a rise.
  const r = markRange(db, b.instrument, b.windowFrom, b.windowTo);
  const ordered = r && r.low === b.low && r.high === b.high ? r : { low: b.low, high: b.high, lowAt: b.windowFrom, highAt: b.windowTo };
  const m = orderedMove(ordered);
  return {
    id: b.id,
    instrument: b.instrument,
    trippedAt: b.trippedAt,
    window: { from: b.windowFrom, to: b.windowTo },
    low: ticksToPrice(b.low, tick),
    high: ticksToPrice(b.high, tick),
    from: ticksToPrice(m.from, tick),
    to: ticksToPrice(m.to, tick),
    direction: m.to < m.from ? 'fall' : 'rise',
    move: formatUnits(m.ppm, 6),
    band: formatUnits(b.band, 6),
    reset: b.resetAt ? { at: b.resetAt, by: b.resetBy ?? '', reason: b.resetReason ?? '' } : null,
  };
}

export function automationStatus(ctx: CommandContext): AutomationStatus {
  const { db } = ctx;
  const policy = readPolicy(db);
  const ticks = new Map(readInstruments(db).map((i) => [i.id, i.tick]));
  const switches = readSwitches(db);
  const shortfalls = openShortfalls(db);
  return {
    globalEnabled: switches.some((s) => s.scope === 'global' && s.enabled),
    switches,
    tripped: trippedBreakers(db).map((b) => breakerView(db, b, ticks.get(b.instrument) ?? '1')),
    recentBreakers: recentBreakers(db, 20).map((b) => breakerView(db, b, ticks.get(b.instrument) ?? '1')),
    funds: { insurance: formatAmount(fundBalance(db, 'insurance')), liquidationRevenue: formatAmount(fundBalance(db, 'liquidation_revenue')) },
    openShortfalls: { count: shortfalls.length, amount: formatAmount(shortfalls.reduce((s, x) => s + x.amount, 0n)) },
    policy: {
      fourEyesNotional: formatAmount(policy.fourEyesNotional),
      bandWindowMinutes: policy.bandWindowMinutes,
      targetHealth: formatUnits(policy.targetHealth, 6),
      liquidationFeeRate: formatUnits(policy.liquidationFeeRate, 6),
      insuranceFeeRate: formatUnits(policy.insuranceFeeRate, 6),
    },
  };
}

export function setAutomation(ctx: CommandContext, input: InputOf<'automation.set'>): AutomationStatus {
  const { db } = ctx;
  const target = input.target ?? '';
  if (input.scope === 'instrument' && !readInstruments(db).some((i) => i.id === target)) {
    throw new InputError(`no instrument "${target}"`, { field: 'target' });
  }
  if (input.scope === 'account' && readAccount(db, target) === undefined) throw new InputError(`no account "${target}"`, { field: 'target' });
  writeSwitch(db, { scope: input.scope, target, enabled: input.enabled, reason: input.reason, updatedBy: ctx.actor.name, updatedAt: ctx.now().toISOString() });
  return automationStatus(ctx);
}

export function resetBreakerCommand(ctx: CommandContext, input: InputOf<'breakers.reset'>): AutomationStatus {
  const b = trippedBreakers(ctx.db).find((x) => x.instrument === input.instrument);
  if (!b) throw new RuleError('not_tripped', `the ${input.instrument} circuit breaker is not tripped`);
  resetBreaker(ctx.db, b.id, ctx.now().toISOString(), ctx.actor.name, input.reason);
  return automationStatus(ctx);
}
