// The dashboard (design.md §5): headline figures of the latest margin cycle, live margin calls, alerts derived
// from the ledger's state, and the totals of recent cycles for the margin and equity chart. Read-only.
import type { CommandContext } from '../context.ts';
import type { Alert, CycleSummary, DashboardSummary, InputOf, Status } from '../../../shared/contract.ts';
import { readCycleResults, type ResultColumns } from '../../ledger/cycleResults.ts';
import { recentCycles, liveCallTotals, overdueCalls, callsIssuedBy, newestMarkTime } from '../../ledger/consoleRepo.ts';
import { STATUS_RANK } from '../../engine/results.ts';
import { formatAmount } from '../../../shared/units.ts';
import { openShortfalls } from '../../ledger/shortfallRepo.ts';
import { liveLiquidationTally } from '../../ledger/liquidationRepo.ts';
import { automationStatus } from '../liquidations/automation.ts';
import { staleFeedAlerts } from '../playbooks/injected.ts';
import { insuranceFundAlerts } from '../funds/insuranceFund.ts';

const DEFAULT_HISTORY = 60;
/** Accounts named in an alert's text; the rest are counted. */
const NAMED = 5;

const LEVEL_RANK: Record<Alert['level'], number> = { critical: 2, warning: 1, info: 0 };

const zeroStatuses = (): Record<Status, number> => ({ healthy: 0, warning: 0, call: 0, liquidation: 0, bankrupt: 0 });
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The stored summary of a cycle (canonical JSON of CycleSummary without the wall time). */
/** Marks older than this (against the cycle's as-of time) make a cycle's figures stale. */
export const STALE_MS = 24 * 3600 * 1000;

function parseSummary(json: string): Partial<CycleSummary> {
  try {
    return JSON.parse(json) as Partial<CycleSummary>;
  } catch {
    return {};
  }
}

function named(ids: string[], total: number): string {
  const more = total - ids.length;
  return more > 0 ? `${ids.join(', ')} and ${more} more` : ids.join(', ');
}

/** The accounts of a cycle in one status, worst first (by a float ratio: this only orders names in a message). */
function accountsIn(r: ResultColumns, code: number): { ids: string[]; total: number } {
  const hit: { id: string; key: number }[] = [];
  for (let i = 0; i < r.ids.length; i++) {
    if (r.status[i] !== code) continue;
    const m = r.mm[i]!;
    hit.push({ id: r.ids[i]!, key: m === 0n ? Number(r.equity[i]!) : Number(r.equity[i]!) / Number(m) });
  }
  hit.sort((a, b) => a.key - b.key || (a.id < b.id ? -1 : 1));
  return { ids: hit.slice(0, NAMED).map((h) => h.id), total: hit.length };
}

/**
 * The accounts a cycle's alerts name, worked out once per cycle: a cycle's stored results never change, and reading
 * 100k of them again for every dashboard request cost a running console 15-20 ms a request (and a first read, on a
 * connection that had not read them yet, about half a second). Kept per ledger file, not per connection, so that the
 * console's second connection (read while a cycle runs: doors/invoke.ts) shares them, and seeded by the cycle itself
 * from the results it has in memory once it has committed (rememberCycleResults). A cycle is known by its id and its
 * stored summary, so a ledger restored from a backup and cycled again cannot be mistaken for the one before.
 */
const namedByCycle = new Map<string, { bankrupt: () => Named; liquidation: () => Named }>();
const NAMED_KEPT = 2;
type Named = { ids: string[]; total: number };

const cycleKey = (db: CommandContext['db'], cycle: number, summary: string): string | null => (db.memory ? null : `${db.name}\n${cycle}\n${summary}`);
/** In-memory ledgers (tests) have no name to share by: one entry per connection. */
const namedByMemoryLedger = new WeakMap<object, { key: string; named: { bankrupt: () => Named; liquidation: () => Named } }>();

function lazyNamed(results: () => ResultColumns): { bankrupt: () => Named; liquidation: () => Named } {
  const once = (code: number) => {
    let v: Named | undefined;
    return () => (v ??= accountsIn(results(), code));
  };
  return { bankrupt: once(STATUS_RANK.bankrupt), liquidation: once(STATUS_RANK.liquidation) };
}

function remember(db: CommandContext['db'], cycle: number, summary: string, named: { bankrupt: () => Named; liquidation: () => Named }): void {
  const key = cycleKey(db, cycle, summary);
  if (key === null) {
    namedByMemoryLedger.set(db, { key: `${cycle}\n${summary}`, named });
    return;
  }
  namedByCycle.delete(key);
  namedByCycle.set(key, named);
  while (namedByCycle.size > NAMED_KEPT) namedByCycle.delete(namedByCycle.keys().next().value!);
}

function namedAccounts(db: CommandContext['db'], cycle: number, summary: string): { bankrupt: () => Named; liquidation: () => Named } {
  const key = cycleKey(db, cycle, summary);
  const known = key === null ? (namedByMemoryLedger.get(db)?.key === `${cycle}\n${summary}` ? namedByMemoryLedger.get(db)!.named : undefined) : namedByCycle.get(key);
  if (known) return known;
  let results: ResultColumns | undefined;
  const fresh = lazyNamed(() => (results ??= readCycleResults(db, cycle)));
  remember(db, cycle, summary, fresh);
  return fresh;
}

/** Forgets every cycle's remembered results (a test reads them back from the ledger). */
export function forgetCycleResults(): void {
  namedByCycle.clear();
}

/** A committed cycle's results, as it stored them (`summary` as in margin_cycles), for the alerts that name accounts. */
export function rememberCycleResults(db: CommandContext['db'], cycle: number, summary: string, results: ResultColumns): void {
  remember(db, cycle, summary, lazyNamed(() => results));
}

export function dashboardSummary(ctx: CommandContext, input: InputOf<'dashboard.summary'>): DashboardSummary {
  const { db } = ctx;
  const now = ctx.now().toISOString();
  const cycles = recentCycles(db, input.historyCycles ?? DEFAULT_HISTORY);
  const last = cycles[cycles.length - 1];
  const summary = last ? parseSummary(last.summary) : {};
  const calls = liveCallTotals(db, now);
  const alerts: Alert[] = [];

  if (calls.overdue > 0) {
    const oldest = overdueCalls(db, now, 1)[0]!;
    alerts.push({
      at: calls.lastOverdueDeadline ?? oldest.deadline,
      level: 'critical',
      text:
        `${plural(calls.overdue, 'margin call')} past deadline, ${formatAmount(calls.overdueOutstanding)} outstanding; ` +
        `longest overdue: call ${oldest.id} on account ${oldest.account} (${oldest.member}), deadline ${oldest.deadline}, ` +
        `${formatAmount(oldest.outstanding)} outstanding`,
    });
  }

  if (last) {
    const statuses = summary.statuses;
    const c = last.id;
    const alertNames = namedAccounts(db, c, last.summary);
    if (statuses && statuses.bankrupt > 0) {
      const a = alertNames.bankrupt();
      alerts.push({
        at: last.asOf,
        level: 'critical',
        text: `cycle ${c}: ${plural(a.total, 'account')} bankrupt (equity below zero): ${named(a.ids, a.total)}`,
      });
    }
    if (statuses && statuses.liquidation > 0) {
      const a = alertNames.liquidation();
      alerts.push({
        at: last.asOf,
        level: 'critical',
        text: `cycle ${c}: ${plural(a.total, 'account')} in liquidation (health below the liquidation threshold or a call past its deadline): ${named(a.ids, a.total)}`,
      });
    }
    const issued = callsIssuedBy(db, c);
    if (issued.count > 0) {
      alerts.push({
        at: last.asOf,
        level: 'warning',
        text: `cycle ${c} issued ${plural(issued.count, 'margin call')} totalling ${formatAmount(issued.amount)}`,
      });
    }
    // Expiry is never refused for a position limit: what the cycle's exercise and assignment breached is raised here.
    for (const b of summary.lifecycle?.limitBreaches ?? []) {
      alerts.push({ at: last.asOf, level: 'critical', text: `cycle ${c}: options exercised and assigned at expiry took account ${b.account} over a position limit: ${b.message}` });
    }
    const counts = summary.calls;
    if (counts && counts.overdue > 0) {
      alerts.push({ at: last.asOf, level: 'warning', text: `cycle ${c} found ${plural(counts.overdue, 'margin call')} past deadline and marked them overdue` });
    }
    if (counts && counts.met > 0) {
      alerts.push({ at: last.asOf, level: 'info', text: `cycle ${c}: ${plural(counts.met, 'margin call')} met (accounts back at or above initial margin)` });
    }
  }

  // Liquidation desk: tripped breakers stop automation for their instruments until a supervisor resets them.
  for (const b of automationStatus(ctx).tripped) {
    alerts.push({
      at: b.trippedAt,
      level: 'critical',
      text: `${b.instrument} circuit breaker tripped: marks ${b.direction === 'fall' ? 'fell' : 'rose'} from ${b.from} to ${b.to}, a move of ${b.move} (band ${b.band}) between ${b.window.from} and ${b.window.to}; automation paused for ${b.instrument} until a supervisor resets it`,
    });
  }
  const waiting = liveLiquidationTally(db);
  if (waiting.live > 0) {
    const second = waiting.pendingSecond;
    alerts.push({
      at: waiting.newestUpdatedAt!,
      level: 'warning',
      text: `${plural(waiting.live, 'liquidation proposal')} open${second > 0 ? `, ${second} awaiting a second supervisor` : ''}`,
    });
  }
  const shortfalls = openShortfalls(db);
  if (shortfalls.length > 0) {
    alerts.push({
      at: shortfalls[shortfalls.length - 1]!.at,
      level: 'critical',
      text: `${plural(shortfalls.length, 'shortfall')} of ${formatAmount(shortfalls.reduce((x, f) => x + f.amount, 0n))} left by liquidations, for default management`,
    });
  }

  // The insurance fund, the layer in front of default management: depleted, or short of what is open.
  alerts.push(...insuranceFundAlerts(db, now));

  // A cycle valued at old marks is a cycle the desk should not trust as current.
  const oldestUsed = summary.prices?.oldest;
  if (last && oldestUsed && Date.parse(last.asOf) - Date.parse(oldestUsed) > STALE_MS) {
    const days = Math.floor((Date.parse(last.asOf) - Date.parse(oldestUsed)) / 86_400_000);
    alerts.push({
      at: last.asOf,
      level: 'warning',
      text: `cycle ${last.id} used marks up to ${plural(days, 'day')} old (${summary.prices?.oldestInstrument} at ${oldestUsed}): import current prices and run a cycle`,
    });
  }

  const newestMark = newestMarkTime(db);
  if (newestMark !== null && (last === undefined || newestMark > last.asOf)) {
    alerts.push({
      at: newestMark,
      level: 'info',
      text: last
        ? `prices up to ${newestMark} are newer than the latest cycle (cycle ${last.id} as of ${last.asOf})`
        : `prices up to ${newestMark} are loaded and no margin cycle has run yet`,
    });
  }

  // A drill's injected stale feed raises the alert the feed hub raises when a real feed goes quiet.
  alerts.push(...staleFeedAlerts(ctx));

  // Newest first; at the same time, the most severe first (the sort is stable for the rest).
  alerts.sort((a, b) => (a.at === b.at ? LEVEL_RANK[b.level] - LEVEL_RANK[a.level] : a.at < b.at ? 1 : -1));

  return {
    cycle: last?.id ?? null,
    asOf: last?.asOf ?? null,
    prices: summary.prices ?? null,
    totals: {
      equity: summary.totals?.equity ?? '0',
      mm: summary.totals?.mm ?? '0',
      im: summary.totals?.im ?? '0',
    },
    statuses: { ...zeroStatuses(), ...(summary.statuses ?? {}) },
    openCalls: { count: calls.count, amount: formatAmount(calls.outstanding), overdue: calls.overdue },
    alerts,
    history: cycles.map((x) => {
      const s = x === last ? summary : parseSummary(x.summary);
      return { cycle: x.id, asOf: x.asOf, equity: s.totals?.equity ?? '0', mm: s.totals?.mm ?? '0', im: s.totals?.im ?? '0' };
    }),
  };
}
