// Position limits at the commands that change positions (issue 18): measured on the accounts a command touches
// before it writes and again after, in its transaction. A limit the change takes over its maximum, or takes further
// over it than it was, refuses the whole command, naming the limit, the value and the account; a change that
// reduces a breach already there (after a price move or a tighter limit) goes through. A position in a future past
// its expiry cannot be opened this way either.
//
// Values: notional at the latest mark at or before now (an instrument with no mark yet: at its entry value); equity
// as the margin engine computes it (cross plus isolated units); open interest is the lots held long.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { Instrument, Position } from '../../engine/model.ts';
import { breaches, measure, ratioAbove, type Exposure, type Limit, type Measured, type Ratio } from '../../engine/limits.ts';
import { lotsNotional } from '../../engine/lotValue.ts';
import { exactAccount, exactContext } from '../../engine/exactAccount.ts';
import { readAccountBook, readInstruments, readPositions } from '../../ledger/bookRepo.ts';
import { accountsOfMember, hasLimits, holdersOf, memberOfAccount, memberPositionsIn, openInterest, readLimits } from '../../ledger/limitRepo.ts';
import { markAtOrBefore } from '../../ledger/priceRepo.ts';
import { totalEquity } from '../recovery/book.ts';
import { divRound, formatAmount, formatUnits, RATE_ONE, unitsOf } from '../../../shared/units.ts';
import { RuleError } from '../../../shared/errors.ts';
import type { ExpiryLimitBreach, LimitsView, LimitView } from '../../../shared/contractLifecycle.ts';

interface Subject {
  limit: Limit;
  /** The account the figures are about (for a member: the account the command touched). */
  account: string;
  /** Whose holdings count: the account, or the member's accounts. */
  holders: string[];
  label: string;
}

/** Whose holdings a limit measures: a member's are its accounts (named by the member), else the one account. */
const whose = (limit: Limit, holders: readonly string[]): string => `${limit.scope}|${limit.subject}|${limit.instrument}|${limit.scope === 'member' ? '' : holders.join(',')}`;
const keyOf = (s: Subject, m: Measured): string => `${whose(s.limit, s.holders)}|${m.metric}|${m.instrument}`;

class Measurer {
  readonly #db: Database;
  readonly #now: string;
  readonly #instruments: Map<string, Instrument>;
  readonly #equity = new Map<string, bigint>();
  readonly #oi = new Map<string, bigint>();
  readonly #exposures = new Map<string, Exposure>();
  readonly #marks = new Map<string, bigint | undefined>();

  constructor(db: Database, now: string) {
    this.#db = db;
    this.#now = now;
    this.#instruments = new Map(readInstruments(db).map((i) => [i.id, i]));
  }

  instrument(id: string): Instrument | undefined {
    return this.#instruments.get(id);
  }

  /**
   * What the holders hold in the limit's instruments, measured once per limit and holders: a file touching many
   * accounts of one member measures the member's book once, not once per account.
   */
  exposure(limit: Limit, holders: readonly string[]): Exposure {
    const key = whose(limit, holders);
    let e = this.#exposures.get(key);
    if (!e) this.#exposures.set(key, (e = this.#measure(limit, holders)));
    return e;
  }

  #measure(limit: Limit, holders: readonly string[]): Exposure {
    const byInst = new Map<string, bigint>();
    let notional = 0n;
    for (const p of this.#held(limit, holders)) {
      const lots = p.quantity < 0n ? -p.quantity : p.quantity;
      byInst.set(p.instrument, (byInst.get(p.instrument) ?? 0n) + lots);
      const inst = this.#instruments.get(p.instrument)!;
      const mark = this.#mark(p.instrument);
      notional += mark !== undefined ? lotsNotional(inst, p.quantity, mark) : p.entryValue < 0n ? -p.entryValue : p.entryValue;
    }
    const equity = limit.maxLeverage === null ? 0n : holders.reduce((s, a) => s + this.#equityOf(a), 0n);
    const shares = limit.maxOiShare === null ? [] : [...byInst].map(([instrument, lots]) => ({ instrument, lots, openInterest: this.#openInterest(instrument) }));
    return { lots: [...byInst.values()].reduce((s, x) => s + x, 0n), notional, equity, shares };
  }

  /** The holders' positions in the limit's instrument ('*': in every one); a member's in one by one query. */
  #held(limit: Limit, holders: readonly string[]): Position[] {
    if (limit.scope === 'member' && limit.instrument !== '*') return memberPositionsIn(this.#db, limit.subject, limit.instrument);
    return holders.flatMap((a) => readPositions(this.#db, a).filter((p) => limit.instrument === '*' || p.instrument === limit.instrument));
  }

  #mark(instrument: string): bigint | undefined {
    if (!this.#marks.has(instrument)) this.#marks.set(instrument, markAtOrBefore(this.#db, instrument, this.#now)?.mark);
    return this.#marks.get(instrument);
  }

  #openInterest(instrument: string): bigint {
    let v = this.#oi.get(instrument);
    if (v === undefined) this.#oi.set(instrument, (v = openInterest(this.#db, instrument)));
    return v;
  }

  #equityOf(account: string): bigint {
    let v = this.#equity.get(account);
    if (v !== undefined) return v;
    const book = readAccountBook(this.#db, account, this.#now);
    const missing = book.positions.find((p) => !book.marks.has(p.instrument));
    if (missing) throw new RuleError('no_price', `account ${account}'s leverage cannot be measured against its limit: no mark for ${missing.instrument} at or before ${this.#now}`);
    v = totalEquity(exactAccount(exactContext(book), account, book.positions.map((_, i) => i), book.collateral.map((_, i) => i)));
    this.#equity.set(account, v);
    return v;
  }
}

/** `members`: each member's accounts, read once per command however many of its accounts the command touches. */
function subjectsOf(db: Database, limits: readonly Limit[], account: string, members: Map<string, string[]>): Subject[] {
  // What is read of the account only where a limit of that scope exists: a file touching every account of a large
  // book is checked account by account.
  const held = limits.some((l) => l.scope === 'instrument') ? new Set(readPositions(db, account).map((p) => p.instrument)) : new Set<string>();
  const member = limits.some((l) => l.scope === 'member') ? memberOfAccount(db, account) : undefined;
  const out: Subject[] = [];
  for (const l of limits) {
    if (l.scope === 'instrument' && held.has(l.instrument)) out.push({ limit: l, account, holders: [account], label: `instrument ${l.instrument}'s limit for account ${account}` });
    if (l.scope === 'account' && l.subject === account) out.push({ limit: l, account, holders: [account], label: `account ${account}'s limit${l.instrument === '*' ? '' : ` on ${l.instrument}`}` });
    if (l.scope === 'member' && l.subject === member) {
      let holders = members.get(member);
      if (!holders) members.set(member, (holders = accountsOfMember(db, member)));
      out.push({ limit: l, account, holders, label: `member ${member}'s limit${l.instrument === '*' ? '' : ` on ${l.instrument}`} (account ${account})` });
    }
  }
  return out;
}

/** A ratio as a decimal to 6 places, rounded half-even (for messages only: the decision compared integers). */
function show(r: Ratio): string {
  return r.den === 0n ? 'unbounded (no positive equity)' : formatUnits(divRound(r.num * RATE_ONE, r.den, 'halfEven'), 6);
}

/** The breach in words; `present`: as it stands (a listed alert), else as a command would leave it. */
function describe(m: Measurer, s: Subject, b: Measured, present = false): string {
  const inst = m.instrument(b.instrument);
  const be = present ? 'it is' : 'it would be';
  const hold = present ? 'it holds' : 'it would hold';
  switch (b.metric) {
    case 'lots':
      return `${s.label}: maximum position ${inst ? unitsOf(b.max.num, inst.lot) : b.max.num} ${b.instrument}, and ${hold} ${inst ? unitsOf(b.value.num, inst.lot) : b.value.num}`;
    case 'notional':
      return `${s.label}: maximum notional ${formatAmount(b.max.num)} USD, and ${be} ${formatAmount(b.value.num)} USD`;
    case 'leverage':
      return `${s.label}: maximum leverage ${show(b.max)} (notional / equity), and ${be} ${show(b.value)}`;
    case 'oiShare':
      return `${s.label}: at most ${show(b.max)} of ${b.instrument}'s open interest, and ${hold} ${show(b.value)}`;
  }
}

export interface LimitGate {
  /** After the command's writes: refuses (throws) if it breaches a limit it did not breach as much before. */
  check(): void;
}

/**
 * Measures the accounts' limits now (before the command writes); `refuse` throws the command's error for the first
 * breach after, naming the account it is about.
 */
export function limitGate(ctx: CommandContext, accounts: Iterable<string>, refuse: (account: string, message: string) => never): LimitGate {
  const ids = [...new Set(accounts)];
  const now = ctx.now().toISOString();
  const limits = hasLimits(ctx.db) ? readLimits(ctx.db) : [];
  const expiredBefore = heldExpired(ctx.db, ids, now);
  const before = new Map<string, Ratio>();
  const members = new Map<string, string[]>();
  if (limits.length > 0) {
    const m = new Measurer(ctx.db, now);
    for (const a of ids) for (const s of subjectsOf(ctx.db, limits, a, members)) for (const x of measure(s.limit, m.exposure(s.limit, s.holders))) before.set(keyOf(s, x), x.value);
  }
  return {
    check(): void {
      for (const [account, instrument, expiry] of heldExpired(ctx.db, ids, now)) {
        if (!expiredBefore.some((x) => x[0] === account && x[1] === instrument)) {
          refuse(account, `instrument ${instrument} expired at ${expiry}: account ${account} cannot take a position in it`);
        }
      }
      if (limits.length === 0) return;
      const m = new Measurer(ctx.db, now);
      // Read again: a port has moved accounts to another member.
      const membersAfter = new Map<string, string[]>();
      for (const a of ids) {
        for (const s of subjectsOf(ctx.db, limits, a, membersAfter)) {
          for (const b of breaches(s.limit, m.exposure(s.limit, s.holders))) {
            const was = before.get(keyOf(s, b));
            if (was !== undefined && !ratioAbove(b.value, was)) continue; // already over, and not further
            refuse(a, `limit breached: ${describe(m, s, b)}`);
          }
        }
      }
    },
  };
}

export interface LimitWatch {
  /** After the expiries' writes: every limit of the watched accounts over its maximum and further over than before. */
  breaches(): ExpiryLimitBreach[];
}

/**
 * Measures the accounts' limits at `at` before an expiry writes, so that what the expiry did to them can be listed
 * after it: expiry is never refused (lifecycle/options.ts), so where limitGate refuses, this reports. A limit the
 * expiry leaves unmeasurable (no mark for a future it exercised into, which the leverage needs) is reported as such,
 * never thrown: the run goes on. One that could not be measured before either is limits.list's to show, not the expiry's.
 */
export function limitWatch(db: Database, accounts: Iterable<string>, at: string): LimitWatch {
  const ids = [...new Set(accounts)].sort();
  const limits = ids.length > 0 && hasLimits(db) ? readLimits(db) : [];
  const before = new Map<string, Ratio>();
  /** Limits (and whose holdings) measured before: one the expiry left unmeasurable is the expiry's to report. */
  const measurable = new Set<string>();
  const round = (f: (s: Subject, m: Measurer) => void) => {
    const m = new Measurer(db, at);
    const members = new Map<string, string[]>();
    for (const a of ids) for (const s of subjectsOf(db, limits, a, members)) f(s, m);
  };
  const measured = (s: Subject, m: Measurer): Measured[] | RuleError => {
    try {
      return measure(s.limit, m.exposure(s.limit, s.holders));
    } catch (e) {
      if (e instanceof RuleError) return e;
      throw e;
    }
  };
  if (limits.length > 0) {
    round((s, m) => {
      const x = measured(s, m);
      if (x instanceof RuleError) return;
      measurable.add(whose(s.limit, s.holders));
      for (const b of x) before.set(keyOf(s, b), b.value);
    });
  }
  return {
    breaches(): ExpiryLimitBreach[] {
      const out: ExpiryLimitBreach[] = [];
      const seen = new Set<string>();
      if (limits.length === 0) return out;
      round((s, m) => {
        const base = { account: s.account, scope: s.limit.scope, subject: s.limit.subject, instrument: s.limit.instrument };
        const x = measured(s, m);
        if (x instanceof RuleError) {
          const key = whose(s.limit, s.holders);
          if (measurable.has(key) && !seen.has(key)) out.push({ ...base, metric: 'unmeasured', message: `${s.label}: ${x.message}` });
          seen.add(key);
          return;
        }
        for (const b of x) {
          if (!ratioAbove(b.value, b.max)) continue;
          const key = keyOf(s, b);
          const was = before.get(key);
          // A member's limit is measured once for the member, however many of its accounts the expiry touched.
          if (seen.has(key) || (was !== undefined && !ratioAbove(b.value, was))) continue;
          seen.add(key);
          out.push({ ...base, metric: b.metric, message: describe(m, s, b, true) });
        }
      });
      return out;
    },
  };
}

/** Every subject of one limit in the ledger as it stands: each holder of an instrument, the account, the member. */
function subjectsOfLimit(db: Database, l: Limit): Subject[] {
  if (l.scope === 'instrument') return holdersOf(db, l.instrument).map((a) => ({ limit: l, account: a, holders: [a], label: `instrument ${l.instrument}'s limit for account ${a}` }));
  if (l.scope === 'account') return [{ limit: l, account: l.subject, holders: [l.subject], label: `account ${l.subject}'s limit${l.instrument === '*' ? '' : ` on ${l.instrument}`}` }];
  const holders = accountsOfMember(db, l.subject);
  return [{ limit: l, account: holders[0] ?? l.subject, holders, label: `member ${l.subject}'s limit${l.instrument === '*' ? '' : ` on ${l.instrument}`}` }];
}

function limitView(m: Measurer, l: Limit): LimitView {
  const inst = l.instrument === '*' ? undefined : m.instrument(l.instrument);
  return {
    scope: l.scope,
    subject: l.subject,
    instrument: l.instrument,
    maxPosition: l.maxLots === null ? null : inst ? unitsOf(l.maxLots, inst.lot) : String(l.maxLots),
    maxNotional: l.maxNotional === null ? null : formatAmount(l.maxNotional),
    maxLeverage: l.maxLeverage === null ? null : formatUnits(l.maxLeverage, 6),
    maxOiShare: l.maxOiShare === null ? null : formatUnits(l.maxOiShare, 6),
  };
}

/**
 * The limits, and every breach present now (after a price move, a tighter limit, a fall in open interest): the
 * commands refuse new ones, and these are listed so that none stands unseen.
 */
export function limitsList(ctx: CommandContext): LimitsView {
  const limits = readLimits(ctx.db);
  const m = new Measurer(ctx.db, ctx.now().toISOString());
  const found: LimitsView['breaches'] = [];
  for (const l of limits) {
    for (const s of subjectsOfLimit(ctx.db, l)) {
      let hits: Measured[];
      try {
        hits = breaches(l, m.exposure(l, s.holders));
      } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        found.push({ scope: l.scope, subject: l.subject, instrument: l.instrument, account: s.account, metric: 'leverage', message: `${s.label}: ${e.message}` });
        continue;
      }
      for (const b of hits) found.push({ scope: l.scope, subject: l.subject, instrument: l.instrument, account: s.account, metric: b.metric, message: describe(m, s, b, true) });
    }
  }
  return { limits: limits.map((l) => limitView(m, l)), breaches: found };
}

/** Positions of these accounts in futures whose expiry is at or before now: [account, instrument, expiry]. */
function heldExpired(db: Database, accounts: readonly string[], now: string): [string, string, string][] {
  const wanted = new Set(accounts);
  const out: [string, string, string][] = [];
  for (const i of readInstruments(db)) {
    if (!i.expiry || i.expiry > now) continue;
    for (const a of holdersOf(db, i.id)) if (wanted.has(a)) out.push([a, i.id, i.expiry]);
  }
  return out;
}
