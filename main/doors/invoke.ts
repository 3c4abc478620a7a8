// What both console doors (the Electron window over IPC, browser mode over HTTP) do with one invoke, so that each door
// is only transport: sign-in and sign-out (the door's own channels), the signed-in user as the actor of every other
// channel, the command layer, refusals as BridgeErrors (never a stack trace), and the console events that follow a
// change. No business rule lives here: `dispatch` validates, checks the role and runs the command.
import type { Database } from 'better-sqlite3';
import { contract, isChannel, DOOR_CHANNELS, type Channel, type ConsoleEvent, type CycleSummary, type TickOutput, type WhoAmI } from '../../shared/contract.ts';
import { toBridgeError, type BridgeError, type InvokeResult } from '../../shared/bridge.ts';
import type { EventType } from '../../shared/command.ts';
import { InputError, RuleError } from '../../shared/errors.ts';
import { UnitError } from '../../shared/units.ts';
import { dispatch, dispatchAsync, dispatchSliced, validate, authorize } from '../commands/dispatch.ts';
import { openLedger } from '../ledger/db.ts';
import { preparers, stagers } from '../commands/handlers.ts';
import { channelRule } from '../commands/allowed/verdict.ts';
import { sessionActor, endSession, whyEnded } from '../commands/sessions.ts';
import { startStressThread, type StressJob } from '../commands/recovery/stressThread.ts';
import { priceTimeOf } from '../commands/recovery/book.ts';
import { signIn } from '../commands/auth.ts';
import type { Actor, CommandContext } from '../commands/context.ts';
import { ResidentBook } from '../resident/residentBook.ts';
import { SessionStore } from './sessions.ts';
import type { LedgerAnchor } from '../anchor/anchor.ts';
import type { IntegrityStatus } from '../../shared/contractIntegrity.ts';
import { LiveConsole, isFeedChannel, type LiveOptions } from './liveConsole.ts';
import { isDrillSandbox } from '../playbooks/sandbox.ts';
import { failureOf, LedgerFailure } from '../ledger/failures.ts';
import { setBusyWait } from '../ledger/db.ts';
import { retryWhileBusy, BUSY_POLICY, type BusyPolicy } from '../commands/busy.ts';
import { prepareLatestFigures } from '../commands/console/accountFigures.ts';
import { endOfDayStressNeed } from '../commands/reports/endOfDay.ts';
import { rememberStress } from '../commands/recovery/stressMemo.ts';
import { startCheckpointThread, type CheckpointThread } from '../ledger/checkpointThread.ts';

export type AnyInvokeResult = InvokeResult<Channel>;

/** Fans console events out to whoever listens (SSE streams, the Electron window, the desktop notifier). */
export class EventHub {
  readonly #listeners = new Set<(e: ConsoleEvent) => void>();

  subscribe(listener: (e: ConsoleEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(e: ConsoleEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(e);
      } catch (err) {
        process.stderr.write(`riskdesk: an event listener failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}

/**
 * How the caller is bound to a session. `window`: a fixed key (an Electron webContents) that sign-in binds the user
 * to. `browser`: the session id the request carried, if any; sign-in always hands out a new one (no fixation).
 */
export type Binding = { kind: 'window'; key: string } | { kind: 'browser'; sid: string | null; source?: string };

export const keyOf = (b: Binding): string | null => (b.kind === 'window' ? b.key : b.sid);
/** Where a sign-in attempt comes from, for the per-source lockout. */
const sourceOf = (b: Binding) => (b.kind === 'window' ? 'window' : (b.source ?? 'browser'));

export interface InvokeOutcome {
  result: AnyInvokeResult;
  /** Browser door only: the new session id after a successful sign-in (to be returned as X-Riskdesk-Session). */
  session?: string;
}

export interface DoorOptions {
  db: Database;
  sessions?: SessionStore;
  events?: EventHub;
  /** The clock of the command context (tests inject one). */
  now?: () => Date;
  /** Where an unexpected failure's stack goes (the main side's log; never to the caller). */
  log?: (line: string) => void;
  /**
   * The ledger's checkpoints outside it: checked once here, at start (a failure opens the ledger read-only until an
   * admin acknowledges), and written after every cycle and every verify that passed.
   */
  anchor?: LedgerAnchor;
  /** Keep a resident book of the ledger (main/resident) for cycles and price ticks: true unless told otherwise. */
  resident?: boolean;
  /** Checkpoint the WAL on a thread (ledger/checkpointThread.ts) rather than in a command's commit: true unless told otherwise. */
  checkpointThread?: boolean;
  /** The feed's and the schedule's timers and data folder (tests inject them). */
  live?: LiveOptions;
  /** How long a change waits for another process's write lock, and in what steps (main/commands/busy.ts). */
  busy?: BusyPolicy;
  /** A console cycle's work between two pauses, in ms (see Door.#cycleInSlices); 0 pauses at every step. */
  sliceMs?: number;
}

/** A console cycle pauses this often so that other requests wait at most about this long behind it. */
export const CYCLE_SLICE_MS = 25;

/** The margin cycle the console is running a slice at a time. */
interface CycleInSlices {
  by: string;
  /** Who asked it to stop, once someone has. */
  cancelledBy: string | null;
  done: Promise<unknown>;
}

/** The caller has no live session: not signed in, or the session was ended (the message says by whom and why). */
class Unauthenticated extends Error {}

export const UNAUTHENTICATED: BridgeError = { code: 'unauthenticated', message: 'sign in first: no user is signed in at this console' };

/** A failure as it crosses a door: the domain refusals as they are, anything else as `internal` without its stack. */
export function bridgeErrorOf(e: unknown, log?: (line: string) => void): BridgeError {
  if (e instanceof InputError || e instanceof RuleError) {
    const b = toBridgeError(e);
    // An InputError always carries `where`; an empty one says nothing.
    if (b.where && Object.keys(b.where).length === 0) delete b.where;
    return b;
  }
  if (e instanceof UnitError) return { code: 'bad_input', message: e.message };
  // Busy, disk full, read-only, damaged: one clear line, never a stack (the cause still goes to the log).
  const failure = failureOf(e);
  if (failure) {
    if (failure !== e && failure.kind !== 'ledger_busy') log?.(`riskdesk: ${failure.kind}: ${e instanceof Error && e.stack ? e.stack : String(e)}`);
    return { code: failure.code, message: failure.message };
  }
  const message = e instanceof Error ? e.message : String(e);
  log?.(`riskdesk: internal error: ${e instanceof Error && e.stack ? e.stack : message}`);
  // Not toBridgeError(e) as is: a foreign error's own `code` (SQLITE_BUSY, ENOENT ...) is not a console code, and
  // its message (SQL, file paths) is for the log, not for the window: the desk gets a reference to find it there.
  const ref = `E${Date.now().toString(36)}`;
  log?.(`riskdesk: internal error ${ref}`);
  return toBridgeError({ code: 'internal', message: `internal error (${ref} in the console's log); nothing was changed` });
}

/** The events that carry nothing but their type: a channel that declares one is announced with it as is. */
const SIGNALS = ['calls.changed', 'liquidations.changed'] as const satisfies readonly EventType[];
export const isSignal = (t: EventType): t is (typeof SIGNALS)[number] => (SIGNALS as readonly EventType[]).includes(t);

function isDoorChannel(channel: string): boolean {
  return (DOOR_CHANNELS as readonly string[]).includes(channel);
}

/** What the door answers while a cycle holds its connection: reads, the feed's own channels and the cancels. */
function answeredDuringCycle(channel: unknown): boolean {
  if (typeof channel !== 'string' || !isChannel(channel)) return true; // refused as unknown, at once
  if (channel === 'stress.cancel' || channel === 'cycle.cancel' || isFeedChannel(channel)) return true;
  if (isDoorChannel(channel) || Object.hasOwn(preparers, channel)) return false;
  return !contract[channel].mutates;
}

export class Door {
  readonly db: Database;
  readonly sessions: SessionStore;
  readonly events: EventHub;
  readonly #now: () => Date;
  readonly #log: (line: string) => void;
  readonly #anchor: LedgerAnchor | null;
  /** The book in memory that cycles and price ticks use: read once, kept in step by every command. */
  readonly resident: ResidentBook | null;
  #integrity: IntegrityStatus = { readOnly: false, problem: null };
  /** The stress run in progress, if any: one at a time per console. */
  #stressRun: { by: string; job: StressJob } | null = null;
  /** The feed and the scheduled cycles (made on first use; started by the console that runs them). */
  #live: LiveConsole | null = null;
  readonly #liveOptions: LiveOptions;
  readonly #busy: BusyPolicy;
  readonly #sliceMs: number;
  /** The cycle holding this connection's write transaction between its slices, if any. */
  #cycle: CycleInSlices | null = null;
  /** What waits for that cycle to settle (the feed's marks, a session's end), in order. */
  #whenIdle: (() => void)[] = [];
  /** A second, read-only connection: what the desk reads while a cycle holds the first. */
  #reader: Database | null = null;
  /** End-of-day stress runs on their threads, by the key they are kept under (see #endOfDay). */
  readonly #eodStress = new Map<string, Promise<void>>();
  /** The WAL's checkpoints, off the console's thread (null in memory, read-only, or when told not to). */
  readonly #checkpoints: CheckpointThread | null;

  constructor(opts: DoorOptions) {
    this.db = opts.db;
    this.sessions = opts.sessions ?? new SessionStore();
    this.events = opts.events ?? new EventHub();
    this.#now = opts.now ?? (() => new Date());
    this.#log = opts.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#anchor = opts.anchor ?? null;
    this.resident = opts.resident === false ? null : new ResidentBook(this.db);
    this.#liveOptions = opts.live ?? {};
    this.#busy = opts.busy ?? BUSY_POLICY;
    this.#sliceMs = opts.sliceMs ?? CYCLE_SLICE_MS;
    if (!this.db.memory) setBusyWait(this.db, this.#busy.waitMs);
    this.#checkpoints = opts.checkpointThread === false ? null : startCheckpointThread(this.db, this.#log);
    if (this.#anchor) {
      const check = this.#anchor.check(this.db);
      if (!check.ok) this.#integrity = { readOnly: true, problem: check.problem };
    }
    // Every use of a session re-reads it and its user from the ledger: a role change, a disable or a revoke from any
    // process refuses the very next call. A session that went idle is ended in the ledger too.
    this.sessions.attach(
      (session) => sessionActor(this.db, session),
      (session) => this.#end(session, 'idle'),
    );
  }

  /**
   * Reads the book into memory now, at start, so that the desk's first cycle or price tick does not wait for it
   * (on the 100k demo book, seconds of reading and compiling) and nobody's request queues behind that read while
   * the console is in use. A book that cannot be evaluated yet (a held instrument without a price) is left for the
   * cycle to name. Logs what it took.
   */
  warm(): void {
    if (!this.resident) return;
    const t0 = performance.now();
    const st = this.resident.state();
    const ms = Math.round(performance.now() - t0);
    this.#log(
      st
        ? `riskdesk: the book is in memory: ${st.book.accounts.length.toLocaleString('en-US')} accounts, ${st.book.positions.length.toLocaleString('en-US')} positions, read in ${ms} ms`
        : `riskdesk: the book is not in memory yet (${this.resident.failure?.message ?? 'no book'}); the first cycle reads it`,
    );
    this.#prepareAccounts();
  }

  /**
   * Makes the latest cycle's Accounts figures ahead of the desk (commands/console/accountFigures.ts), a slice of
   * rows per turn of the event loop, so that the first visit of Accounts after a cycle does not format 100k rows
   * while the desk waits. A request that comes first finishes them itself; a console cycle pauses them (their
   * first step reads the ledger, which must not happen inside the cycle's transaction).
   */
  #prepareAccounts(): void {
    let step: (() => boolean) | null = null;
    const next = (): void => {
      if (!this.db.open) return;
      if (this.#cycle) return this.whenIdle(() => void setImmediate(next));
      try {
        step ??= prepareLatestFigures(this.db);
        if (step()) setImmediate(next);
      } catch (e) {
        this.#log(`riskdesk: making the Accounts figures ahead: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    setImmediate(next);
  }

  /** The console's live side: its market-data feed and scheduled cycles. */
  get live(): LiveConsole {
    this.#live ??= new LiveConsole(
      {
        db: this.db,
        now: () => this.#now(),
        runAs: (actor, channel, payload, clock) => this.runAs(actor, channel, payload, clock),
        emit: (e) => this.events.emit(e),
        log: (line) => this.#log(line),
        whenIdle: (f) => this.whenIdle(f),
      },
      this.#liveOptions,
    );
    return this.#live;
  }

  /**
   * A channel run by the console's own main side (the feed, the scheduler) as `actor`, through dispatch like any
   * other, with the events it announces; `clock` fixes the command's time (a replay on the market's clock).
   */
  runAs(actor: Actor, channel: string, payload: unknown, clock?: Date): unknown {
    const ctx = this.#duringCycle(actor, channel);
    if (clock) ctx.now = () => new Date(clock.getTime());
    const value = dispatch(ctx, channel, this.#expand(actor, channel, payload));
    this.#anchorAfter(channel, actor, payload, value);
    this.#after(channel, value);
    return value;
  }

  /** What the door puts in a request before the command layer sees it: a drill scenario's path in place of its name. */
  #expand(actor: Actor, channel: string, payload: unknown): unknown {
    return channel === 'playbooks.start' ? this.live.withScenario(actor, payload) : payload;
  }

  /** The command context of an actor at this door. */
  #ctx(actor: Actor): CommandContext {
    return {
      db: this.db,
      actor,
      now: this.#now,
      integrity: this.#integrity,
      ...(this.resident ? { resident: this.resident } : {}),
      // A console on a drill's sandbox copy (main/playbooks/sandbox.ts): drills start here, live runs do not.
      ...(isDrillSandbox(this.db.name) ? { sandbox: true as const } : {}),
    };
  }

  /** The start check's outcome: read-only until an admin acknowledges a failure. */
  get integrity(): IntegrityStatus {
    return this.#integrity;
  }

  #end(session: number | undefined, reason: string): void {
    if (session === undefined) return;
    // Written on this connection, it would join a running cycle's transaction (and go if the cycle is cancelled).
    if (this.#cycle) {
      this.whenIdle(() => this.#end(session, reason));
      return;
    }
    try {
      endSession(this.db, session, reason, this.#now().toISOString());
    } catch (e) {
      this.#log(`riskdesk: could not record the end of session ${session}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Null while the binding has a live session (without counting as use); else the refusal, saying why it ended. */
  refusal(binding: Binding): BridgeError | null {
    const key = keyOf(binding);
    const session = this.sessions.sessionOf(key);
    if (this.sessions.peek(key)) return null;
    return { code: 'unauthenticated', message: (session !== undefined ? whyEnded(this.db, session) : null) ?? UNAUTHENTICATED.message };
  }

  /**
   * What is known before a request's body is read: a caller without a live session, or whose role may not run the
   * channel, is refused here with the refusal dispatch would give, so a body that would be refused is never read.
   * The signed-in actor when admitted (none for sign-in).
   */
  admits(binding: Binding, channel: string): { ok: true; actor: Actor | null } | { ok: false; error: BridgeError } {
    if (channel === 'session.login') return { ok: true, actor: null };
    const refused = this.refusal(binding);
    if (refused) return { ok: false, error: refused };
    const actor = this.whoIs(binding);
    if (!actor) return { ok: false, error: UNAUTHENTICATED };
    // Dispatch skips the role for a user who must change their password (the access rule limits them instead).
    if (isChannel(channel) && !actor.batch && !actor.mustChangePassword) {
      const r = channelRule(actor, channel);
      if (!r.ok) return { ok: false, error: bridgeErrorOf(new RuleError(r.code, r.why)) };
    }
    return { ok: true, actor };
  }

  /** The actor of a binding, marking the session used; a session ended elsewhere is refused with why. */
  #actor(binding: Binding): Actor {
    const key = keyOf(binding);
    const session = this.sessions.sessionOf(key);
    const actor = this.sessions.use(key);
    if (actor) return actor;
    const why = session === undefined ? null : whyEnded(this.db, session);
    throw new Unauthenticated(why ?? UNAUTHENTICATED.message);
  }

  /** The signed-in user of a binding, if any (does not count as use of the session). */
  whoIs(binding: Binding): Actor | null {
    return this.sessions.peek(keyOf(binding));
  }

  /** Forgets a binding's user (the window closed, the browser signed out) and ends its ledger session. */
  forget(binding: Binding, reason = 'signed out'): void {
    const key = keyOf(binding);
    const session = this.sessions.sessionOf(key);
    this.sessions.drop(key);
    this.#end(session, reason);
  }

  /**
   * What a console door calls: a stress run goes on a thread of its own, with progress events and a cancel that ends
   * it at once, so the console stays live while it runs; every other channel is answered at once by invoke().
   */
  async invokeAsync(binding: Binding, channel: unknown, payload: unknown): Promise<InvokeOutcome> {
    try {
      return await retryWhileBusy(async () => {
        const outcome = await this.#invokeOnce(binding, channel, payload);
        const r = outcome.result;
        if (!r.ok && r.error.code === 'ledger_busy') throw new LedgerFailure('ledger_busy', r.error.message);
        return outcome;
      }, this.#busy);
    } catch (e) {
      return this.#refused(e);
    }
  }

  async #invokeOnce(binding: Binding, channel: unknown, payload: unknown): Promise<InvokeOutcome> {
    // A change waits for the cycle in progress to settle (it would otherwise join its transaction); reads do not.
    while (this.#cycle && !answeredDuringCycle(channel)) await this.#cycle.done.catch(() => undefined);
    if (channel === 'cycle.run' && this.resident && !this.db.memory) return this.#cycleInSlices(binding, payload);
    if (channel === 'session.login') return this.#login(binding, payload);
    if (typeof channel === 'string' && Object.hasOwn(preparers, channel)) return this.#prepared(binding, channel, payload);
    if (channel === 'reports.endOfDay' && !this.db.memory) return this.#endOfDay(binding, payload);
    if (typeof channel === 'string' && Object.hasOwn(stagers, channel)) return this.#staged(binding, channel, payload);
    if (channel !== 'stress.run') return this.invoke(binding, channel, payload);
    try {
      const actor = this.#actor(binding);
      // During a console cycle, the committed ledger (its second connection), as the run's thread reads it.
      const ctx = this.#duringCycle(actor, 'stress.run');
      const input = authorize(ctx, 'stress.run', payload);
      if (this.#stressRun) throw new RuleError('busy', `a stress run started by ${this.#stressRun.by} is in progress: wait for it, or cancel it`);
      // The run reads the ledger file on a thread of its own, so that this one keeps serving the desk (and a cancel).
      if (this.db.memory) throw new RuleError('no_ledger_file', 'a stress run from the console reads the ledger file: this ledger is only in memory');
      const by = actor.name;
      const job = startStressThread({ file: this.db.name, asOf: priceTimeOf(ctx.db, this.#now()), scenarios: input.scenarios }, (done, total, label) =>
        this.events.emit({ type: 'progress', task: 'stress.run', done, total, label, by }),
      );
      this.#stressRun = { by, job };
      try {
        const value = await job.done;
        return { result: { ok: true, value } as AnyInvokeResult };
      } finally {
        this.#stressRun = null;
      }
    } catch (e) {
      return this.#refused(e);
    }
  }

  /**
   * The end-of-day report: its Cover-1 and Cover-2 need a stress run over the whole book, made first on a thread of
   * its own (as a console's stress run is) so that this one keeps serving the desk; the report then reads the kept
   * run (commands/recovery/stressMemo.ts). Two asking at once share one thread. A run that fails on its thread is
   * made again by the report itself, which names what is wrong.
   */
  async #endOfDay(binding: Binding, payload: unknown): Promise<InvokeOutcome> {
    try {
      const actor = this.#actor(binding);
      const ctx = this.#duringCycle(actor, 'reports.endOfDay');
      const need = endOfDayStressNeed(ctx, authorize(ctx, 'reports.endOfDay', payload));
      if (need) {
        let pending = this.#eodStress.get(need.key);
        if (!pending) {
          pending = startStressThread({ file: this.db.name, asOf: need.asOf, scenarios: undefined }, () => {}).done.then((report) => rememberStress(need.key, report));
          this.#eodStress.set(need.key, pending);
        }
        try {
          await pending;
        } catch {
          // The report below runs it here and refuses with the reason.
        } finally {
          this.#eodStress.delete(need.key);
        }
      }
    } catch (e) {
      return this.#refused(e);
    }
    return this.invoke(binding, 'reports.endOfDay', payload);
  }

  /** A channel that carries a password: hashed off the event loop (dispatchAsync). */
  async #prepared(binding: Binding, channel: string, payload: unknown): Promise<InvokeOutcome> {
    try {
      const value = await dispatchAsync(this.#ctx(this.#actor(binding)), channel, payload);
      return { result: { ok: true, value } as AnyInvokeResult };
    } catch (e) {
      return this.#refused(e);
    }
  }

  /**
   * An import: parsed, checked and staged before the ledger's write lock is taken, then published (dispatchAsync).
   * Between the two the door answers other requests; a console cycle begun meanwhile is let settle first, as a change
   * would otherwise join its transaction.
   */
  async #staged(binding: Binding, channel: string, payload: unknown): Promise<InvokeOutcome> {
    try {
      const actor = this.#actor(binding);
      // Before the publish and before each of its chunks: the door answers others, and no console cycle is open on
      // this connection (a chunk would otherwise join its transaction).
      const answerOthers = async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        while (this.#cycle) await this.#cycle.done.catch(() => undefined);
      };
      const value = await dispatchAsync(this.#ctx(actor), channel, this.#expand(actor, channel, payload), answerOthers, answerOthers);
      this.#anchorAfter(channel, actor, payload, value);
      this.#after(channel, value);
      return { result: { ok: true, value } as AnyInvokeResult };
    } catch (e) {
      return this.#refused(e);
    }
  }

  /**
   * A margin cycle from the console: run a slice at a time inside its one transaction (dispatchSliced), so that reads
   * are answered from the second connection between slices, changes queue until it settles, and `cycle.cancel` stops
   * it at the next pause, rolling it back whole.
   */
  async #cycleInSlices(binding: Binding, payload: unknown): Promise<InvokeOutcome> {
    try {
      const actor = this.#actor(binding);
      const ctx = this.#ctx(actor);
      let settled!: () => void;
      const cycle: CycleInSlices = { by: actor.name, cancelledBy: null, done: new Promise<void>((r) => (settled = r)) };
      this.#cycle = cycle;
      try {
        const value = await dispatchSliced(ctx, 'cycle.run', payload, {
          sliceMs: this.#sliceMs,
          pause: () => new Promise<void>((r) => setImmediate(r)),
          cancelled: () => (cycle.cancelledBy === null ? null : `the margin cycle was cancelled by ${cycle.cancelledBy}: nothing of it was stored`),
        });
        this.#anchorAfter('cycle.run', actor, payload, value);
        this.#after('cycle.run', value);
        return { result: { ok: true, value } as AnyInvokeResult };
      } finally {
        this.#cycle = null;
        settled();
        for (const f of this.#whenIdle.splice(0)) {
          try {
            f();
          } catch (e) {
            this.#log(`riskdesk: after the cycle: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
      }
    } catch (e) {
      return this.#refused(e);
    }
  }

  /** Runs `f` now, or once the cycle in progress has settled (in the order asked). */
  whenIdle(f: () => void): void {
    if (this.#cycle) this.#whenIdle.push(f);
    else f();
  }

  /** Whether a console cycle holds the ledger's write transaction now (between its slices). */
  get cycling(): boolean {
    return this.#cycle !== null;
  }

  /**
   * The context a channel runs in: the door's own, or while a cycle holds its connection, a read on the second
   * connection (the committed ledger, without the resident book the cycle is changing); a change is refused then
   * (the async door waits for the cycle instead; the feed and the session ends are deferred with whenIdle).
   */
  #duringCycle(actor: Actor, channel: string): CommandContext {
    const cycle = this.#cycle;
    if (!cycle) return this.#ctx(actor);
    if (!answeredDuringCycle(channel)) throw new RuleError('busy', `a margin cycle started by ${cycle.by} is running: ${channel} waits for it to end (or cancel it)`);
    this.#reader ??= openLedger(this.db.name, { readonly: true });
    return { db: this.#reader, actor, now: this.#now, integrity: this.#integrity, ...(isDrillSandbox(this.db.name) ? { sandbox: true as const } : {}) };
  }

  /** Closes the second connection and ends the checkpoint thread (the door's own connection belongs to whoever opened it). */
  close(): void {
    this.#checkpoints?.stop();
    this.#reader?.close();
    this.#reader = null;
  }

  #refused(e: unknown): InvokeOutcome {
    if (e instanceof Unauthenticated) return { result: { ok: false, error: { code: 'unauthenticated', message: e.message } } };
    return { result: { ok: false, error: bridgeErrorOf(e, this.#log) } };
  }

  invoke(binding: Binding, channel: unknown, payload: unknown): InvokeOutcome {
    try {
      if (typeof channel !== 'string') throw new InputError('the channel must be a string', { field: 'channel' });
      if (channel === 'session.login' || Object.hasOwn(preparers, channel)) throw new InputError(`${channel} checks a password: call it through invokeAsync`);
      if (channel === 'session.logout') {
        validate('session.logout', payload);
        this.forget(binding);
        return { result: { ok: true, value: { ok: true } } };
      }
      if (channel === 'stress.cancel') {
        validate('stress.cancel', payload);
        this.#actor(binding);
        const cancelled = this.#stressRun?.job.cancel() ?? false;
        return { result: { ok: true, value: { cancelled } } };
      }
      if (channel === 'cycle.cancel') {
        const actor = this.#actor(binding);
        authorize(this.#ctx(actor), 'cycle.cancel', payload);
        const cycle = this.#cycle;
        if (cycle && cycle.cancelledBy === null) cycle.cancelledBy = actor.name;
        return { result: { ok: true, value: { cancelled: cycle !== null } } };
      }
      const actor = this.#actor(binding);
      if (isFeedChannel(channel)) {
        const input = authorize(this.#ctx(actor), channel, payload);
        return { result: { ok: true, value: this.live.answer(actor, channel, input) } as AnyInvokeResult };
      }
      const value = dispatch(this.#duringCycle(actor, channel), channel, this.#expand(actor, channel, payload));
      this.#anchorAfter(channel, actor, payload, value);
      this.#after(channel, value);
      return { result: { ok: true, value } as AnyInvokeResult };
    } catch (e) {
      return this.#refused(e);
    }
  }

  async #login(binding: Binding, payload: unknown): Promise<InvokeOutcome> {
    try {
      const { name, password } = validate('session.login', payload);
      // A new sign-in ends the session it was made from, whatever its outcome.
      if (binding.kind === 'browser') this.forget(binding, 'signed in again');
      const { actor, session } = await signIn(this.db, { name, password, source: sourceOf(binding), door: binding.kind }, this.#now);
      const who: WhoAmI = { name: actor.name, role: actor.role, ...(actor.mustChangePassword ? { mustChangePassword: true } : {}) };
      if (binding.kind === 'window') {
        this.forget(binding, 'signed in again');
        this.sessions.bind(binding.key, actor, session ?? undefined);
        return { result: { ok: true, value: who } };
      }
      return { result: { ok: true, value: who }, session: this.sessions.create(actor, session ?? undefined) };
    } catch (e) {
      return this.#refused(e);
    }
  }

  /** Checkpoints after a cycle or a verify; after an acknowledgement, read-only lifted and the record started again. */
  #anchorAfter(channel: string, actor: Actor, payload: unknown, value: unknown): void {
    if (channel === 'ledger.acknowledge') {
      this.#integrity = { readOnly: false, problem: null };
      this.#anchor?.record(this.db, 'acknowledged', { by: actor.name, reason: (payload as { reason: string }).reason });
      return;
    }
    this.#anchor?.after(this.db, channel, value);
  }

  /** The events a successful change announces: those its contract entry declares (`emits`). */
  #after(channel: string, value: unknown): void {
    if (isDoorChannel(channel)) return;
    if (channel === 'cycle.run') {
      const summary = value as CycleSummary;
      this.#prepareAccounts();
      this.events.emit({ type: 'cycle.done', summary });
      this.events.emit({ type: 'calls.changed' });
      this.events.emit({ type: 'liquidations.changed' });
      // A future that could not settle, or funding that could not be paid, stays open: the desk is told.
      for (const u of summary.lifecycle?.unsettled ?? []) {
        this.events.emit({ type: 'alert', alert: { at: summary.asOf, level: 'warning', text: `${u.instrument} expired at ${u.expiry} but is not settled: ${u.why}` } });
      }
      for (const u of summary.lifecycle?.unpriced ?? []) {
        this.events.emit({ type: 'alert', alert: { at: summary.asOf, level: 'warning', text: `funding of ${u.instrument} at ${u.at} is not paid: no mark at or before it` } });
      }
      for (const b of summary.lifecycle?.limitBreaches ?? []) {
        this.events.emit({ type: 'alert', alert: { at: summary.asOf, level: 'critical', text: `options exercised and assigned at expiry took account ${b.account} over a position limit: ${b.message}` } });
      }
      for (const instrument of summary.breakersTripped) {
        this.events.emit({
          type: 'alert',
          alert: { at: summary.asOf, level: 'critical', text: `${instrument} circuit breaker tripped: automation paused for ${instrument} until a supervisor resets it` },
        });
      }
      return;
    }
    if (channel === 'prices.tick') {
      // Only a tick that called someone changes what the desk sees beyond the feed's own status.
      const called = [...new Set((value as TickOutput).calls.map((c) => c.account))];
      if (called.length === 0) return;
      this.events.emit({ type: 'calls.changed' });
      this.events.emit({ type: 'accounts.changed', accounts: called });
      return;
    }
    if (!isChannel(channel)) return;
    // The rest announce what their contract entry declares; an event that carries more than its type is made above.
    for (const type of contract[channel].emits as readonly EventType[]) if (isSignal(type)) this.events.emit({ type });
  }
}
