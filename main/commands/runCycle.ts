// The margin cycle (design.md §2.1): revalue every account at the prices as of a time, store the results, and
// issue, update, settle or mark overdue the margin calls. Runs inside the dispatcher's transaction.
import type { CommandContext } from './context.ts';
import type { CycleSummary, InputOf } from '../../shared/contract.ts';
import { readCycleBook, memberCureMinutes } from '../ledger/bookRepo.ts';
import { insertCycle, setCycleSummary, latestCycle } from '../ledger/cycleRepo.ts';
import { allocResults, floatResultWriter, writeCycleResults, writeIsolatedUnits, resultChunkCount, type IsolatedUnitsRow } from '../ledger/cycleResults.ts';
import { activeCallsByAccount, heldCallsByAccount, clearHeldCalls, callWriter } from '../ledger/callRepo.ts';
import { evaluateBook, exactForIndex, figuresOf } from '../engine/evaluate.ts';
import type { BookColumns } from '../engine/columns.ts';
import { STATUS_CODES, NO_CALL } from '../engine/kernel.ts';
import { MAX_SAFE } from '../engine/exactFloat.ts';
import { restoreNeed, crossNeed, callReason, addMinutes } from '../engine/calls.ts';
import { STATUS_RANK } from '../engine/results.ts';
import { cyclePolicyVersion } from '../ledger/policyRepo.ts';
import { isolatedUnits } from '../engine/marginUnits.ts';
import { exactAccount } from '../engine/exactAccount.ts';
import type { AccountStatus, Book } from '../engine/model.ts';
import { canonicalJson } from '../../shared/canonicalJson.ts';
import { formatAmount } from '../../shared/units.ts';
import { RuleError } from '../../shared/errors.ts';
import { normaliseTime } from '../../shared/time.ts';
import { proposeSteps } from './liquidations/propose.ts';
import { drain, type Steps } from './steps.ts';
import { checkBreakers } from './liquidations/automation.ts';
import type { PlanReason } from '../engine/liquidationPlan.ts';
import { planKey, valueAsOf, type HoldingsScan } from '../resident/residentBook.ts';
import { runLifecycle, lifecycleDidAnything } from './lifecycle/run.ts';
import { rememberCycleResults } from './console/dashboard.ts';

/**
 * The mark a cycle's journal payload carries (its `lifecycle` key): 1, it ran the instrument lifecycle
 * (lifecycle/run.ts) first; 2 (CYCLE_FORMAT_DECISIONS), and a live proposal is written only when its decision
 * changes (liquidations/propose.ts). A replay runs each cycle as its mark says it ran.
 */
export const CYCLE_FORMAT_LIFECYCLE = 1;
export const CYCLE_FORMAT_DECISIONS = 2;

/**
 * Three exact sums of float integers: each sum runs in float while its magnitude bound stays within 2^53 (so every
 * addition is exact), and is carried into a BigInt before it would leave that range.
 */
class ExactSums {
  readonly #f: Float64Array;
  readonly #bound: Float64Array;
  readonly #big: bigint[];

  constructor() {
    this.#f = new Float64Array(3);
    this.#bound = new Float64Array(3);
    this.#big = [0n, 0n, 0n];
  }

  add3(x0: number, x1: number, x2: number): void {
    this.#add(0, x0);
    this.#add(1, x1);
    this.#add(2, x2);
  }

  #add(k: number, x: number): void {
    const ax = x < 0 ? -x : x;
    if (this.#bound[k]! + ax > MAX_SAFE) {
      this.#big[k]! += BigInt(this.#f[k]!);
      this.#f[k] = 0;
      this.#bound[k] = 0;
    }
    this.#f[k] = this.#f[k]! + x;
    this.#bound[k] = this.#bound[k]! + ax;
  }

  sum(k: number): bigint {
    return this.#big[k]! + BigInt(this.#f[k]!);
  }
}

function markSpan(held: Set<string>, times: Map<string, string>): CycleSummary['prices'] {
  let oldest: string | null = null;
  let newest: string | null = null;
  let oldestInstrument: string | null = null;
  for (const id of [...held].sort()) {
    const t = times.get(id);
    if (t === undefined) continue;
    if (oldest === null || t < oldest) {
      oldest = t;
      oldestInstrument = id;
    }
    if (newest === null || t > newest) newest = t;
  }
  return { oldest, newest, oldestInstrument };
}

/** The book's account ids, made once per book: a resident book's cycles share them (and their stored chunks). */
const idsOfBook = new WeakMap<Book, string[]>();
function accountIds(book: Book): string[] {
  let ids = idsOfBook.get(book);
  if (!ids) idsOfBook.set(book, (ids = book.accounts.map((a) => a.id)));
  return ids;
}

/** The instruments someone holds, and each account's isolated positions (book indexes), from the columns. */
function* scanHoldings(book: Book, cols: BookColumns): Steps<HoldingsScan> {
  const instrumentsHeld = new Set<string>();
  const isolatedOf = new Map<number, number[]>();
  const heldInst = new Uint8Array(book.instruments.length);
  for (let a = 0; a < cols.nAccounts; a++) {
    if (a % ACCOUNTS_PER_STEP === ACCOUNTS_PER_STEP - 1) yield;
    for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
      if (cols.posQty[p] === 0) continue;
      heldInst[cols.posInst[p]!] = 1;
      if (Number.isNaN(cols.posIso[p]!)) continue;
      const list = isolatedOf.get(a);
      if (list) list.push(cols.posOrig[p]!);
      else isolatedOf.set(a, [cols.posOrig[p]!]);
    }
  }
  heldInst.forEach((h, i) => h && instrumentsHeld.add(book.instruments[i]!.id));
  return { instrumentsHeld, isolatedOf };
}

export function runCycle(ctx: CommandContext, input: InputOf<'cycle.run'>): CycleSummary {
  return drain(cycleSteps(ctx, input));
}

/** Accounts between two pauses of the cycle's valuation loop (see cycleSteps): about a millisecond of work. */
const ACCOUNTS_PER_STEP = 2048;
/** Stored result chunks (4,096 accounts each) written between two pauses. */
const RESULT_CHUNKS_PER_STEP = 4;

/**
 * The cycle as steps (commands/steps.ts): it pauses between its phases and every few thousand accounts, so that the
 * console can run it a slice at a time, answer other requests between slices and hear a cancel (doors/invoke.ts).
 * Drained at once it is the same cycle: the pauses change nothing it computes or writes.
 */
export function* cycleSteps(ctx: CommandContext, input: InputOf<'cycle.run'>): Steps<CycleSummary> {
  const t0 = performance.now();
  const { db } = ctx;
  const now = ctx.now().toISOString();
  const asOf = input.at ? normaliseTime(input.at) : now;
  // A cycle changes live calls (issues, settles, marks overdue), so its time is bounded: not after now (that would
  // mark calls overdue early), and not before the latest cycle (that would value the book at older prices and
  // settle calls nobody paid). What-ifs and replays of the past belong to the what-if and to drill copies.
  if (asOf > now) throw new RuleError('cycle_in_future', `a margin cycle cannot run as of ${asOf}, after now (${now})`);
  const previous = latestCycle(db);
  if (previous && asOf < previous.asOf) {
    throw new RuleError(
      'cycle_before_latest',
      `a margin cycle cannot run as of ${asOf}, before the latest cycle ${previous.id} (as of ${previous.asOf}); replay the past on a copy (riskdesk backup) or with the what-if`,
    );
  }
  // Expired futures settle and due funding is paid before the book is valued: the cycle margins what is left.
  const lifecycle = ctx.preLifecycle ? null : runLifecycle(ctx, asOf);
  const changedBook = lifecycle !== null && (lifecycle.settled.length > 0 || (lifecycle.options?.length ?? 0) > 0 || lifecycle.funding.length > 0);
  // The resident book follows those changes in place before this transaction commits: if it does not, drop it.
  if (changedBook) ctx.resident?.touch();
  yield;
  // The resident book when the console holds one and its marks are the ones as of asOf (no price stored after
  // asOf); otherwise the book read from the ledger (a cold CLI cycle, a cycle as of an earlier time).
  const resident = ctx.resident?.state() ?? null;
  const { book, priceTimes } = resident && resident.newestPrice <= asOf ? resident : readCycleBook(db, asOf);
  if (resident && resident.book === book && valueAsOf(resident, asOf)) ctx.resident!.touch();
  // Breakers first: a band breached by the prices this cycle uses pauses automation before it can act on them.
  const tripped = checkBreakers(db, asOf, book.policy.bandWindowMinutes, now);
  const ev = resident?.book === book ? evaluateBook(book, false, resident.cols) : evaluateBook(book);
  yield;
  const { cols } = ev;
  // What the cycle needs of the holdings, from the columns (typed arrays) rather than the million position objects;
  // a resident book keeps it while no account's holdings change (a cycle after a price move scans nothing).
  let holdings = resident?.book === book ? resident.holdings : null;
  if (!holdings) {
    holdings = yield* scanHoldings(book, cols);
    if (resident?.book === book) resident.holdings = holdings;
  }
  const { instrumentsHeld, isolatedOf } = holdings;
  const cycle = insertCycle(db, { asOf, runAt: ctx.now().toISOString(), actor: ctx.actor.name, accounts: book.accounts.length });
  const active = activeCallsByAccount(db);
  const held = heldCallsByAccount(db);
  const cure = memberCureMinutes(db);
  yield;
  const calls = callWriter(db);
  const results = allocResults(accountIds(book));
  // One reading of the clock for the whole cycle: calls created and deadlines counted from the same instant.
  const at = now;
  const actor = ctx.actor.name;
  const policy = book.policy;
  const counts = { issued: 0, updated: 0, met: 0, overdue: 0, held: 0 };
  const statuses: Record<AccountStatus, number> = { healthy: 0, warning: 0, call: 0, liquidation: 0, bankrupt: 0 };
  let totEquity = 0n;
  let totMm = 0n;
  let totIm = 0n;
  let openCalls = 0n;
  const troubled: number[] = [];
  // The packed results hold each account's cross part; its isolated units are stored beside them (few accounts).
  // Each isolated unit stands alone, so only those positions are evaluated (exactly), not the whole account again.
  const isolatedRows: IsolatedUnitsRow[] = [];
  // A resident book keeps each account's isolated units while its holdings and the marks it holds stand still.
  const unitsMemo = resident?.book === book ? resident.isolatedMemo : null;
  const isolatedRow = (a: number) => {
    const iso = isolatedOf.get(a);
    if (!iso) return;
    const id = book.accounts[a]!.id;
    const key = unitsMemo ? planKey(resident!, a, '') : '';
    const known = unitsMemo?.get(a);
    let row: IsolatedUnitsRow | null;
    if (known && known.key === key) row = known.row;
    else {
      const u = isolatedUnits(exactAccount(ev.ctx, id, iso, []));
      row = u ? { account: id, units: u.units, equity: u.equity, mm: u.mm, im: u.im, worstEquity: u.worst.equity, worstMm: u.worst.mm } : null;
      unitsMemo?.set(a, { key, row });
    }
    if (row) isolatedRows.push(row);
    return row;
  };
  const forced = new Map<number, PlanReason>();

  // Which accounts have a live or a held call, by index: the loop below then asks a byte, not a string map.
  const hasCall = new Uint8Array(cols.nAccounts);
  for (const id of active.keys()) {
    const a = cols.accountIndex.get(id);
    if (a !== undefined) hasCall[a] = 1;
  }
  for (const id of held.keys()) {
    const a = cols.accountIndex.get(id);
    if (a !== undefined) hasCall[a] = 1;
  }
  const statusCount = new Float64Array(STATUS_CODES.length);
  const o = ev.out;
  const writeFloat = floatResultWriter(results);
  const floatTotals = new ExactSums();
  for (let a = 0; a < book.accounts.length; a++) {
    if (a % ACCOUNTS_PER_STEP === ACCOUNTS_PER_STEP - 1) yield;
    if (o.call[a] === NO_CALL && hasCall[a] === 0 && !ev.exact.has(a)) {
      // The common case, no call to issue, update or clear: the kernel's exact float figures as they are, without
      // a BigInt made per figure (a 100k-account cycle made a million of them).
      const code = o.status[a]!;
      statusCount[code]!++;
      if (code >= STATUS_RANK.liquidation) troubled.push(a);
      floatTotals.add3(o.equity[a]!, o.mm[a]!, o.im[a]!);
      writeFloat(a, o.collateral[a]!, o.equity[a]!, o.mm[a]!, o.im[a]!, -1, code);
      isolatedRow(a);
      continue;
    }
    const acct = book.accounts[a]!;
    const f = figuresOf(ev, a);
    let status = f.status;
    const c = active.get(acct.id);
    if (c) {
      // An account with a call on it is measured against restoring initial margin, whatever the trigger was.
      // Only isolated units need the per-position figures; the cross part's are the kernel's (or the BigInt path's).
      const need = isolatedOf.has(a) || ev.exact.has(a) ? restoreNeed(exactForIndex(cols, ev.ctx, a), policy.amountScale) : crossNeed(f, policy.amountScale);
      if (need === 0n) {
        calls.update(c.id, { amount: c.amount, deposited: c.deposited, deadline: c.deadline, status: 'met', at });
        calls.event(c.id, { at, actor, kind: 'met', amount: null, note: `cycle ${cycle}: equity ${formatAmount(f.equity)} >= IM ${formatAmount(f.im)}` });
        counts.met++;
      } else {
        let s = c.status;
        const amount = c.deposited + need;
        if (amount !== c.amount) {
          calls.event(c.id, {
            at,
            actor,
            kind: amount > c.amount ? 'raised' : 'lowered',
            amount,
            note: `cycle ${cycle}: outstanding ${formatAmount(need)} to restore IM (deposited ${formatAmount(c.deposited)})`,
          });
          counts.updated++;
        }
        if (s === 'open' && c.deadline <= asOf) {
          s = 'overdue';
          calls.event(c.id, { at, actor, kind: 'overdue', amount: null, note: `cycle ${cycle}: deadline ${c.deadline} passed` });
          counts.overdue++;
        }
        // A call the cycle leaves as it was is not written again (its updated_at is its last change).
        if (s !== c.status) calls.update(c.id, { amount, deposited: c.deposited, deadline: c.deadline, status: s, at });
        else if (amount !== c.amount) calls.setAmount(c.id, amount, at);
        if (s === 'overdue') {
          if (STATUS_RANK[status] < STATUS_RANK.liquidation) status = 'liquidation';
          forced.set(a, { code: 'overdue_call', unit: 'cross', text: `margin call ${c.id} is past its deadline ${c.deadline}` });
        }
        openCalls += need;
      }
    } else if (f.call !== null) {
      const h = held.get(acct.id);
      if (h && (h.status === 'escalated' || f.call <= h.amount - h.deposited)) {
        // An escalated call is the liquidation's to resolve; a waiver stands while the need stays within it.
        counts.held++;
        if (h.status === 'escalated') {
          if (STATUS_RANK[status] < STATUS_RANK.liquidation) status = 'liquidation';
          forced.set(a, { code: 'overdue_call', unit: 'cross', text: `margin call ${h.id} was escalated to liquidation` });
        }
      } else {
        if (h) clearHeldCalls(db, acct.id, at, actor, `cycle ${cycle}: the need ${formatAmount(f.call)} passed the waived ${formatAmount(h.amount - h.deposited)}`);
        // The cure period runs from when the member is told: a cycle as of an earlier close issues calls now.
        const deadline = addMinutes(asOf > at ? asOf : at, cure.get(acct.member) ?? policy.cureMinutes);
        const id = calls.insert({ account: acct.id, cycle, amount: f.call, deadline, at });
        calls.event(id, { at, actor, kind: 'issued', amount: f.call, note: `cycle ${cycle}: ${callReason(f, policy.callTrigger)}` });
        counts.issued++;
        openCalls += f.call;
      }
    } else if (held.has(acct.id)) {
      clearHeldCalls(db, acct.id, at, actor, `cycle ${cycle}: the account is back above its call line`);
    }
    statuses[status]++;
    if (STATUS_RANK[status] >= STATUS_RANK.liquidation) troubled.push(a);
    totEquity += f.equity;
    totMm += f.mm;
    totIm += f.im;
    results.collateral[a] = f.collateral;
    results.equity[a] = f.equity;
    results.mm[a] = f.mm;
    results.im[a] = f.im;
    results.call[a] = f.call ?? -1n;
    results.status[a] = STATUS_RANK[status];
    isolatedRow(a);
  }
  [totEquity, totMm, totIm] = [totEquity + floatTotals.sum(0), totMm + floatTotals.sum(1), totIm + floatTotals.sum(2)];
  statusCount.forEach((n, code) => (statuses[STATUS_CODES[code]!] += n));

  for (let chunk = 0, n = resultChunkCount(results.ids.length); chunk < n; chunk += RESULT_CHUNKS_PER_STEP) {
    writeCycleResults(db, cycle, results, chunk, Math.min(n, chunk + RESULT_CHUNKS_PER_STEP));
    yield;
  }
  writeIsolatedUnits(db, cycle, isolatedRows);
  yield;
  const st = resident?.book === book ? resident : null;
  const memo = st ? { key: (i: number, f: PlanReason | undefined) => planKey(st, i, f ? `${f.code}:${f.text}` : ''), plans: st.plans } : undefined;
  const liquidations = yield* proposeSteps(ctx, {
    cycle,
    asOf,
    book,
    ev,
    troubled,
    forced,
    ...(memo ? { memo } : {}),
    ...(ctx.proposalFiguresFollowMarks ? { figuresFollowMarks: true } : {}),
  });

  const summary: CycleSummary = {
    cycle,
    asOf,
    accounts: book.accounts.length,
    calls: counts,
    statuses,
    totals: { equity: formatAmount(totEquity), mm: formatAmount(totMm), im: formatAmount(totIm), openCalls: formatAmount(openCalls) },
    exactPathAccounts: ev.exact.size,
    liquidations,
    breakersTripped: tripped.map((b) => b.instrument),
    prices: markSpan(instrumentsHeld, priceTimes),
    // As the cycle's row recorded it (migration step 10 stamps it in this transaction, where the policy was read).
    policyVersion: cyclePolicyVersion(db, cycle) ?? 0,
    ...(lifecycle && lifecycleDidAnything(lifecycle) ? { lifecycle } : {}),
    ms: 0,
  };
  // The stored summary leaves out the wall time so that the same ledger and prices store the same bytes.
  const stored = canonicalJson({ ...summary, ms: undefined });
  setCycleSummary(db, cycle, stored);
  // The dashboard's alerts name accounts from these results: once committed, they need not be read back.
  ctx.resident?.afterCommit(() => rememberCycleResults(db, cycle, stored, results));
  summary.ms = Math.round(performance.now() - t0);
  return summary;
}
