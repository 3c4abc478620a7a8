// The resident book (issue 15): the running console's book, read whole from the ledger once and then kept in step
// with it in memory, so that a margin cycle revalues memory instead of re-reading 100k accounts from SQLite, and a
// price tick screens and decides calls on live columns.
//
// It stays in step by itself, whatever command ran: every change this connection commits to holdings, calls or
// marks is recorded by TEMP triggers (ledger/changeCapture.ts) and applied on the next use, in place: a changed
// account is re-read and re-evaluated alone, a mark moves its instrument, a call changes whom the screen heeds.
// A change it does not follow in place (reference data, policy, asset prices, accounts added, an account that
// opened an instrument or an asset it did not hold) drops the book, and the next use reads it whole again. A commit
// by another process shows in SQLite's data_version: its journal entries say what it was, and price ticks (a feed
// process beside the console) are followed in place; anything else (the CLI's cycle, an import) drops the book.
import type { Database } from 'better-sqlite3';
import type { Book, Position, Collateral } from '../engine/model.ts';
import { compileBook, type BookColumns } from '../engine/columns.ts';
import { columnPositions } from './columnPositions.ts';
import { LiveBook } from '../engine/incremental.ts';
import { remarkOn, modelMark } from '../engine/optionMarks.ts';
import { forgetKernel } from '../engine/evaluate.ts';
import { MAX_SAFE } from '../engine/exactFloat.ts';
import { installCapture, takeCaptured, journalAfter, type Captured } from '../ledger/changeCapture.ts';
import { journalHead } from '../ledger/journal.ts';
import { readCycleBook, readPositions, readCollateral, latestMarkOf, dataVersion, LATEST } from '../ledger/bookRepo.ts';
import { accountsWithCalls, hasCallOrHeld } from '../ledger/callRepo.ts';
import { InputError } from '../../shared/errors.ts';
import type { AccountPlan } from '../engine/liquidationPlan.ts';
import type { IsolatedUnitsRow } from '../ledger/cycleResults.ts';

export interface ResidentState {
  /** Only the instruments someone held when it was read (readCycleBook); marks kept current. */
  book: Book;
  cols: BookColumns;
  /** The live figures a price tick screens and decides on. */
  live: LiveBook;
  /** When each held instrument's mark (and each asset's price, `asset:ID`) was stored. */
  priceTimes: Map<string, string>;
  /** The latest time of any stored price: a cycle as of an earlier time cannot use these marks. */
  newestPrice: string;
  /** Bumped when an account's holdings change (per account) and when an instrument's mark moves (per instrument). */
  holdingStamp: Uint32Array;
  markStamp: Uint32Array;
  /** The liquidation plans of earlier cycles, by account index (see planKey). */
  plans: Map<number, PlanMemo>;
  /** What a cycle scans of the holdings (commands/runCycle.ts), kept until an account's holdings change. */
  holdings: HoldingsScan | null;
  /** Each account's isolated units as the last cycle stored them (null: none in trouble to store), by planKey. */
  isolatedMemo: Map<number, { key: string; row: IsolatedUnitsRow | null }>;
}

/** The instruments someone holds (ids) and each account's isolated positions (book indexes), by account index. */
export interface HoldingsScan {
  instrumentsHeld: Set<string>;
  isolatedOf: Map<number, number[]>;
}

/** A liquidation plan a cycle made, the inputs it was made from (planKey), and the proposal it was written to. */
export interface PlanMemo {
  key: string;
  plan: AccountPlan;
  liquidation: number;
  cycle: number;
}

/**
 * What account a's liquidation plan depends on that can change while the book is resident: its holdings, the marks
 * of the instruments it holds (and of its options' underlying futures, and the valuation time, for portfolio legs),
 * and why it is forced (an overdue or escalated call). Reference data, policy and asset
 * prices are not in it: a change of those reads the book again, with no plans.
 */
export function planKey(st: ResidentState, a: number, forced: string): string {
  const { cols } = st;
  let key = `${st.holdingStamp[a]}|${forced}|`;
  let scanned = false;
  for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) {
    key += `${st.markStamp[cols.posInst[p]!]},`;
    // A portfolio leg is planned on its risk array: an option's moves with its underlying future's mark and the time.
    const x = cols.book.instruments[cols.posInst[p]!]!;
    if (x.margin !== 'portfolio') continue;
    scanned = true;
    const u = x.option?.underlyingInstrument;
    const ui = u ? cols.instrumentIndex.get(u) : undefined;
    if (ui !== undefined) key += `u${st.markStamp[ui]},`;
  }
  return scanned ? `${key}|${st.book.market?.asOf ?? ''}` : key;
}

/**
 * Moves a held instrument's mark in the resident book (the live figures too), as stored at `at`; a model mark
 * (`stored` false: an option Black-76 marks, engine/optionMarks.ts) has no stored price time.
 */
export function moveMark(st: ResidentState, inst: number, ticks: bigint, at: string, stored = true): void {
  const id = st.cols.book.instruments[inst]!.id;
  st.book.marks.set(id, ticks);
  if (stored) {
    st.priceTimes.set(id, at);
    if (at > st.newestPrice) st.newestPrice = at;
  }
  st.markStamp[inst]!++;
  st.live.setMark(inst, Number(ticks));
}

/**
 * Values the resident book as of `asOf`, as a book read from the ledger as of that time is valued: the portfolio
 * valuation time (the risk arrays' time to expiry) moves to it, and the options the model marks are priced again at
 * it. Without this, a console cycle valued computed risk arrays and model marks at the time the book was read (or
 * last ticked), and a cycle from the console and one from the CLI at the same as-of time stored different MM.
 * In place: the caller touches the resident book, so a command that does not commit drops it. Whether it changed.
 */
export function valueAsOf(st: ResidentState, asOf: string): boolean {
  const market = st.book.market;
  if (!market || market.asOf === asOf) return false;
  st.book.market = { ...market, asOf };
  const mm = st.book.modelMarks;
  if (!mm || mm.size === 0) return true;
  const byId = new Map(st.book.instruments.map((x) => [x.id, x]));
  for (const id of mm.keys()) {
    const m = modelMark(st.book, byId.get(id)!, byId);
    // An option the model cannot price now keeps its mark: the cycle's own check names it, as a fresh read would.
    if (typeof m === 'string') continue;
    mm.set(id, m);
    const inst = st.cols.instrumentIndex.get(id);
    if (inst !== undefined && st.book.marks.get(id) !== m.ticks) moveMark(st, inst, m.ticks, asOf, false);
  }
  return true;
}

/** The cash asset deposits are made in and fills settle in (ledger/collateralRepo.ts). */
const CASH = 'USD';

const safe = (v: bigint) => v <= BigInt(MAX_SAFE) && v >= -BigInt(MAX_SAFE);

export class ResidentBook {
  readonly db: Database;
  #state: ResidentState | null = null;
  /** SQLite's data_version and the journal's head when the state was last in step. */
  #version = -1;
  #seq = 0;
  /** Why the book could not be read (a held instrument without a price ...), at that data_version. */
  #failed: { version: number; error: InputError } | null = null;
  /** The running command changed the state in memory: if it does not commit, the state is dropped. */
  #touched = false;
  #deferred: (() => void)[] = [];
  /** Each position's index in the kernel's instrument slices (cols.sQty ...), made at load. */
  #sIndex: Int32Array = new Int32Array(0);
  /** How many times the book was read whole, and why the last time. */
  loads = 0;
  lastLoadReason = '';

  constructor(db: Database) {
    this.db = db;
    installCapture(db);
  }

  /**
   * The book in step with the ledger: changes this connection made since the last use applied in place, or read
   * whole when that cannot be done. Null when the ledger's book cannot be evaluated (see failure).
   */
  state(): ResidentState | null {
    const version = dataVersion(this.db);
    if (this.#inStep(version)) return this.#state;
    if (this.#failed?.version === version && !this.#pendingOwnChanges()) return null;
    this.#load(version);
    return this.#state;
  }

  /** Brings the state in memory in step, or drops it (to be read whole on next use); whether it is in memory. */
  #inStep(version: number): boolean {
    if (!this.#state) return false;
    const c = takeCaptured(this.db);
    const why = version !== this.#version ? this.#othersChanges(c) : null;
    const applied = why ?? this.#apply(this.#state, c);
    if (applied !== null) {
      this.#drop(applied);
      return false;
    }
    this.#version = version;
    this.#seq = journalHead(this.db).seq;
    return true;
  }

  /**
   * What other processes committed since the last sync, read from the journal into `c`: price ticks (a feed process
   * beside the console) are followed in place like this connection's own; anything else, or a change with no
   * journal entry at all, is a reason to read the book whole.
   */
  #othersChanges(c: Captured): string | null {
    const entries = journalAfter(this.db, this.#seq);
    if (entries.length === 0) return 'another process changed the ledger outside the journal';
    for (const e of entries) {
      if (e.command === 'session.login' || e.command === 'session.logout') continue;
      if (e.command !== 'prices.tick') return `another process ran ${e.command}`;
      const payload = JSON.parse(e.payload) as { marks?: { instrument: string }[] };
      const result = JSON.parse(e.result) as { calls?: { account: string }[] };
      if (!payload.marks || !result.calls) return 'another process ran a price tick of the older journal form';
      for (const m of payload.marks) c.marks.add(m.instrument);
      for (const x of result.calls) c.calls.add(x.account);
    }
    return null;
  }

  /** Why the book could not be read, when state() is null. */
  get failure(): InputError | null {
    return this.#failed?.error ?? null;
  }

  /** Whether the state is in memory now (without bringing it in step). */
  get loaded(): boolean {
    return this.#state !== null;
  }

  /** Marks the state as changed in memory by the running command (see settle). */
  touch(): void {
    this.#touched = true;
  }

  /**
   * Work on the state the running command leaves until it has committed (a price tick's catch-up of every position
   * in the instrument): the command's calls are in the ledger before it is done. Dropped, with the state, if the
   * command does not commit.
   */
  afterCommit(work: () => void): void {
    this.#deferred.push(work);
  }

  /** performance.now() when the last command settled here had committed, before its deferred work (the bench reads it). */
  committedAt = 0;

  /**
   * After a command: if it committed, its changes are applied now (while the desk is not waiting on a tick) when the
   * book is in memory; if it failed after changing the state in memory, the state is dropped.
   */
  settle(committed: boolean): void {
    const touched = this.#touched;
    const deferred = this.#deferred;
    this.#touched = false;
    this.#deferred = [];
    if (!committed) {
      if (touched) this.#drop('a command that changed it in memory did not commit');
      return;
    }
    this.committedAt = performance.now();
    if (this.#state) for (const work of deferred) work();
    this.#inStep(dataVersion(this.db));
  }

  #drop(why: string): void {
    this.#state = null;
    this.lastLoadReason = why;
  }

  #pendingOwnChanges(): boolean {
    const c = takeCaptured(this.db);
    return c.reload !== null || c.holdings.size + c.calls.size + c.marks.size > 0;
  }

  #load(version: number): void {
    takeCaptured(this.db); // whatever was recorded so far is in what is read now
    try {
      const { book, priceTimes } = readCycleBook(this.db, LATEST);
      // Every account gets a USD slot (quantity 0 where it holds none): deposits and fills book cash there, and a
      // slot it already has is followed in place, where a new holding would mean reading the book again.
      if (book.assetPrices.has(CASH)) {
        const hasCash = new Set<string>();
        for (const c of book.collateral) if (c.asset === CASH) hasCash.add(c.account);
        for (const a of book.accounts) if (!hasCash.has(a.id)) book.collateral.push({ account: a.id, asset: CASH, quantity: 0n });
      }
      const cols = compileBook(book);
      // From here the positions are read from the columns; the objects read from the ledger can go.
      book.positions = columnPositions(cols, book.positions);
      const live = new LiveBook(cols);
      const called: number[] = [];
      for (const id of accountsWithCalls(this.db)) {
        const a = cols.accountIndex.get(id);
        if (a !== undefined) called.push(a);
      }
      live.ignore(called);
      const sIndex = new Int32Array(cols.sPos.length);
      for (let j = 0; j < cols.sPos.length; j++) sIndex[cols.sPos[j]!] = j;
      let newestPrice = '';
      for (const t of priceTimes.values()) if (t > newestPrice) newestPrice = t;
      this.#sIndex = sIndex;
      this.#state = {
        book,
        cols,
        live,
        priceTimes,
        newestPrice,
        holdingStamp: new Uint32Array(cols.nAccounts),
        markStamp: new Uint32Array(book.instruments.length),
        plans: new Map(),
        isolatedMemo: new Map(),
        holdings: null,
      };
      this.#version = version;
      this.#seq = journalHead(this.db).seq;
      this.#failed = null;
      this.loads++;
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      this.#state = null;
      this.#failed = { version, error: e };
    }
  }

  /** Applies what changed since the last use; the reason to read the book whole instead, or null. */
  #apply(st: ResidentState, c: Captured): string | null {
    if (c.reload !== null) return `table ${c.reload} changed`;
    let holdingsChanged = false;
    for (const id of c.holdings) {
      const why = this.#patchAccount(st, id);
      if (why !== null) return why;
      holdingsChanged = true;
    }
    if (holdingsChanged) forgetKernel(st.cols);
    for (const id of c.marks) {
      const i = st.cols.instrumentIndex.get(id);
      const m = latestMarkOf(this.db, id);
      if (!m) return `the marks of ${id} were removed`;
      if (m.at > st.newestPrice) st.newestPrice = m.at;
      if (i === undefined) continue; // held by nobody: nothing to revalue
      st.book.modelMarks?.delete(id); // an imported price wins over the model from now on
      if (st.book.marks.get(id) === m.mark && st.priceTimes.get(id) === m.at) continue;
      if (m.mark < 0n || !safe(m.mark)) return `the mark of ${id} is outside the live book's range`;
      moveMark(st, i, m.mark, m.at);
      // The options marked by the model on it move with it (as a price tick moves them, commands/priceTick.ts).
      for (const o of remarkOn(st.book, id, m.mark, m.at)) {
        st.book.modelMarks!.set(o.id, o.mark);
        const oi = st.cols.instrumentIndex.get(o.id);
        if (oi !== undefined && st.book.marks.get(o.id) !== o.mark.ticks) moveMark(st, oi, o.mark.ticks, m.at, false);
      }
    }
    // Whom the screen heeds: one query for the whole ledger when a cycle changed many calls, else one per account.
    const called = c.calls.size > 64 ? new Set(accountsWithCalls(this.db)) : null;
    for (const id of c.calls) {
      const a = st.cols.accountIndex.get(id);
      if (a !== undefined) st.live.setIgnored(a, called ? called.has(id) : hasCallOrHeld(this.db, id));
    }
    return null;
  }

  /**
   * Re-reads one account's positions and collateral into the slots it already has (a slot it no longer holds keeps
   * quantity 0) and re-evaluates it. The reason to read the whole book instead, or null.
   */
  #patchAccount(st: ResidentState, id: string): string | null {
    const { cols, book } = st;
    const a = cols.accountIndex.get(id);
    if (a === undefined) return `account ${id} is new`;
    if (cols.accountBig[a] !== 0) return `account ${id} is on the BigInt path`;
    const positions = new Map(readPositions(this.db, id).map((p) => [p.instrument, p]));
    const collateral = new Map(readCollateral(this.db, id).map((c) => [c.asset, c]));
    const posSlots = new Map<string, number>();
    for (let p = cols.posStart[a]!; p < cols.posStart[a + 1]!; p++) posSlots.set(book.positions[cols.posOrig[p]!]!.instrument, p);
    const colSlots = new Map<string, number>();
    for (let k = cols.colStart[a]!; k < cols.colStart[a + 1]!; k++) colSlots.set(book.collateral[cols.colOrig[k]!]!.asset, k);
    for (const p of positions.values()) {
      if (!posSlots.has(p.instrument)) return `account ${id} opened a position in ${p.instrument}`;
      if (!safe(p.quantity) || !safe(p.entryValue) || (p.isolatedMargin !== null && !safe(p.isolatedMargin))) return `account ${id} left the float range`;
    }
    for (const c of collateral.values()) {
      if (!colSlots.has(c.asset)) return `account ${id} took collateral in ${c.asset}`;
      if (!safe(c.quantity)) return `account ${id} left the float range`;
    }
    for (const [instrument, p] of posSlots) {
      const now: Position = positions.get(instrument) ?? { account: id, instrument, quantity: 0n, entryValue: 0n, isolatedMargin: null };
      book.positions[cols.posOrig[p]!] = now;
      const j = this.#sIndex[p]!;
      cols.posQty[p] = cols.sQty[j] = Number(now.quantity);
      cols.posEntry[p] = cols.sEntry[j] = Number(now.entryValue);
      cols.posIso[p] = cols.sIso[j] = now.isolatedMargin === null ? NaN : Number(now.isolatedMargin);
    }
    for (const [asset, k] of colSlots) {
      const now: Collateral = collateral.get(asset) ?? { account: id, asset, quantity: 0n };
      book.collateral[cols.colOrig[k]!] = now;
      cols.colQty[k] = Number(now.quantity);
    }
    st.live.refreshAccount(a);
    st.holdingStamp[a]!++;
    st.holdings = null;
    return null;
  }
}
