// Drills from a live console (issue 16): a console door on the ledger answers the drill channels itself
// (shared/contractPlaybook.ts DRILL_CHANNELS) and puts a person's console on a drill's sandbox for as long as they
// work it. Each drill is a door of its own on its sandbox file (`<ledger>.drills/run-N.db`), as `riskdesk serve --db`
// on that file would be: its own connection, sessions, events, scheduler and drill clock. A person's calls go to the
// door their console is on; the console's transport (HTTP or IPC) does not change, so every screen reads the sandbox.
//
// Starting one (playbooks.drill) is the CLI's way (main/doors/makeDrill.ts): the ledger opened read-only and
// copied with the online backup, the starter signed in on the copy on their console's word, the run started there,
// the copy named after the run. The ledger's own connection writes nothing for it. Entering one (playbooks.enter)
// signs the caller in on the sandbox the same way; their session at the ledger stays, and must stay live: a sign-out
// or a revoke there ends their drill too.
import fs from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { ConsoleEvent, InputOf } from '../../shared/contract.ts';
import { DRILL_CHANNELS, type DrillEntered, type DrillRoomsView, type RunState } from '../../shared/contractPlaybook.ts';
import { InputError, RuleError } from '../../shared/errors.ts';
import type { BridgeError } from '../../shared/bridge.ts';
import { openLedger } from '../ledger/db.ts';
import { dispatch, validate } from '../commands/dispatch.ts';
import { vouchedSignIn } from '../commands/auth.ts';
import { channelRule, first, no, ok, verdict, type Rule } from '../commands/allowed/verdict.ts';
import type { Actor } from '../commands/context.ts';
import type { LedgerAnchor } from '../anchor/anchor.ts';
import { drillFile, isDrillSandbox } from '../playbooks/sandbox.ts';
import { drillIds, makeDrill, scenarioPath } from './makeDrill.ts';
import { Door, EventHub, bridgeErrorOf, keyOf, type Binding, type DoorOptions, type InvokeOutcome } from './invoke.ts';

type DrillChannel = (typeof DRILL_CHANNELS)[number];
const isDrillChannel = (c: unknown): c is DrillChannel => typeof c === 'string' && (DRILL_CHANNELS as readonly string[]).includes(c);

interface Room {
  run: number;
  db: Database;
  door: Door;
  /** Its clock and schedule have been started (once someone is on it, so its first beat reaches them). */
  started: boolean;
}

export interface DrillRoomsOptions {
  /** The console's door on the ledger. */
  live: Door;
  now?: () => Date;
  log?: (line: string) => void;
  /** A sandbox's checkpoints outside it, as the CLI keeps them (main/anchor), when the console keeps any. */
  anchorFor?: (file: string) => LedgerAnchor;
  /** What each drill's door is made with besides its ledger (tests set the drill clock's beat). */
  drillDoor?: Pick<DoorOptions, 'live' | 'resident' | 'busy'>;
}

/** Whether drills can be made from this door's ledger: a file that is not itself a drill's sandbox. */
function fromLedgerRule(db: Database): Rule {
  if (db.memory) return no('no_ledger_file', 'a drill is a copy of the ledger file: this ledger is only in memory');
  if (isDrillSandbox(db.name)) return no('drill_in_sandbox', 'this console is on a drill\'s sandbox already: a drill starts from the console on the live ledger');
  return ok();
}

export class DrillRooms {
  readonly live: Door;
  readonly #now: () => Date;
  readonly #log: (line: string) => void;
  readonly #options: DrillRoomsOptions;
  readonly #rooms = new Map<number, Room>();
  /** Which drill each console (by its binding's key) is on; absent: on the ledger. */
  readonly #on = new Map<string, number>();
  readonly #listeners = new Set<(run: number | null, e: ConsoleEvent) => void>();

  constructor(o: DrillRoomsOptions) {
    this.live = o.live;
    this.#now = o.now ?? (() => new Date());
    this.#log = o.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#options = o;
    o.live.events.subscribe((e) => this.#emit(null, e));
  }

  /** Console events with the drill they come from (null: the ledger's); a console shows only those of where it is. */
  subscribe(listener: (run: number | null, e: ConsoleEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** The drill a console is on, or null. */
  runOf(key: string | null): number | null {
    return key === null ? null : (this.#on.get(key) ?? null);
  }

  /** The door a console's calls go to now. */
  doorOf(binding: Binding): Door {
    const run = this.runOf(keyOf(binding));
    return run === null ? this.live : this.#rooms.get(run)!.door;
  }

  /** What a door calls: the drill channels answered here, every other call by the door the console is on. */
  async invokeAsync(binding: Binding, channel: unknown, payload: unknown): Promise<InvokeOutcome> {
    if (isDrillChannel(channel)) return this.#answer(binding, channel, payload);
    const key = keyOf(binding);
    const run = this.runOf(key);
    if (run === null) return this.live.invokeAsync(binding, channel, payload);
    const room = this.#rooms.get(run)!;
    // Signing out, or in as someone else, is done at the ledger's console: the drill is left first.
    if (channel === 'session.logout' || channel === 'session.login') {
      this.#leave(binding, channel === 'session.login' ? 'signed in again' : 'signed out');
      return this.live.invokeAsync(binding, channel, payload);
    }
    const refused = this.#liveRefusal(binding);
    if (refused) return { result: { ok: false, error: refused } };
    // Working in the drill is using the console: its session at the ledger does not go idle meanwhile.
    this.live.sessions.use(key);
    return room.door.invokeAsync(binding, channel, payload);
  }

  /** What is known before a request's body is read (see Door.admits), at the door the console is on. */
  admits(binding: Binding, channel: string): ReturnType<Door['admits']> {
    if (isDrillChannel(channel) || this.runOf(keyOf(binding)) === null) return this.live.admits(binding, channel);
    const refused = this.#liveRefusal(binding);
    if (refused) return { ok: false, error: refused };
    return this.doorOf(binding).admits(binding, channel);
  }

  /** Whether the console has a live session where it is (an event stream is kept only while it has). */
  signedIn(binding: Binding): boolean {
    return this.live.whoIs(binding) !== null && this.doorOf(binding).whoIs(binding) !== null;
  }

  /** The console went away (its window closed): its sessions, in the drill and at the ledger, end. */
  forget(binding: Binding, reason: string): void {
    this.#leave(binding, reason);
    this.live.forget(binding, reason);
  }

  /** Stops every drill's door and closes its sandbox. */
  async close(): Promise<void> {
    for (const room of this.#rooms.values()) {
      await room.door.live.stop();
      room.door.close();
      room.db.close();
    }
    this.#rooms.clear();
    this.#on.clear();
  }

  /** A console in a drill works there only while its session at the ledger is live (not signed out, not revoked). */
  #liveRefusal(binding: Binding): BridgeError | null {
    const refused = this.live.refusal(binding);
    if (refused) {
      this.#leave(binding, 'the session at the live console ended');
      return refused;
    }
    return null;
  }

  async #answer(binding: Binding, channel: DrillChannel, payload: unknown): Promise<InvokeOutcome> {
    const admitted = this.live.admits(binding, channel);
    if (!admitted.ok) return { result: { ok: false, error: admitted.error } };
    const actor = admitted.actor!;
    try {
      let value: unknown;
      if (channel === 'playbooks.drills') {
        validate(channel, payload);
        value = this.#view(binding, actor);
      } else if (channel === 'playbooks.leave') {
        validate(channel, payload);
        value = { left: this.#leave(binding, 'left the drill') };
      } else if (channel === 'playbooks.enter') {
        value = this.#enter(binding, actor, validate(channel, payload).run);
      } else {
        value = await this.#start(binding, actor, validate(channel, payload));
      }
      return { result: { ok: true, value } as InvokeOutcome['result'] };
    } catch (e) {
      return { result: { ok: false, error: bridgeErrorOf(e, this.#log) } };
    }
  }

  #view(binding: Binding, actor: Actor): DrillRoomsView {
    const from = fromLedgerRule(this.live.db);
    const runs = from.ok ? drillIds(this.live.db.name).sort((a, b) => b - a) : [];
    return {
      current: this.runOf(keyOf(binding)),
      drills: runs.map((run) => ({ run, sandbox: drillFile(this.live.db.name, run), open: this.#rooms.has(run) })),
      enter: verdict('playbooks.enter', from.ok, first(() => channelRule(actor, 'playbooks.enter'), () => from)),
    };
  }

  /** Moves a console onto a drill this ledger has, signing its user in there. */
  #enter(binding: Binding, actor: Actor, run: number): DrillEntered {
    const from = fromLedgerRule(this.live.db);
    if (!from.ok) throw new RuleError(from.code, from.why);
    const file = drillFile(this.live.db.name, run);
    if (!fs.existsSync(file)) throw new InputError(`this ledger has no drill run ${run} (no ${file})`, { field: 'run' });
    const key = keyOf(binding)!;
    if (this.#on.get(key) === run) return { run, mode: 'drill', sandbox: file };
    const room = this.#open(run, file);
    // The sign-in is written on the drill door's connection: never inside a margin cycle it is running.
    if (room.door.cycling) throw new RuleError('busy', `drill run ${run} is running a margin cycle: enter it when the cycle ends`);
    const { actor: there, session } = vouchedSignIn(room.db, { name: actor.name, door: binding.kind, source: this.#source(binding) }, this.#now);
    this.#leave(binding, 'went to another drill');
    room.door.sessions.bind(key, there, session ?? undefined);
    this.#on.set(key, run);
    this.#run(room);
    return { run, mode: 'drill', sandbox: file };
  }

  /** A new drill: the ledger copied, the starter signed in on the copy, the run started there; the console moves onto it. */
  async #start(binding: Binding, actor: Actor, input: InputOf<'playbooks.drill'>): Promise<DrillEntered> {
    const key = keyOf(binding)!;
    const on = this.runOf(key);
    if (on !== null) throw new RuleError('in_drill', `your console is on drill run ${on}: leave it first, then start a drill from the live ledger`);
    const from = fromLedgerRule(this.live.db);
    if (!from.ok) throw new RuleError(from.code, from.why);
    let session: number | null = null;
    let starter: Actor = actor;
    const { run, sandbox } = await makeDrill(this.live.db.name, async (where, firstId) => {
      const db = openLedger(where.file);
      try {
        const signed = vouchedSignIn(db, { name: actor.name, door: binding.kind, source: this.#source(binding) }, this.#now);
        session = signed.session;
        starter = signed.actor;
        const ctx = { db, actor: starter, now: this.#now, sandbox: true as const };
        const { scenarioId, speed, ...rest } = input;
        const scenario = scenarioId ? await scenarioPath(scenarioId, speed, async (c, p) => dispatch(ctx, c, p)) : undefined;
        const s = dispatch(ctx, 'playbooks.start', { ...rest, mode: 'drill', firstId, ...(scenario ? { scenario } : {}) }) as RunState;
        return s.run;
      } finally {
        db.close();
      }
    });
    const room = this.#open(run, sandbox);
    room.door.sessions.bind(key, starter, session ?? undefined);
    this.#on.set(key, run);
    this.#run(room);
    this.#log(`riskdesk: ${actor.name} started drill run ${run} of ${input.playbook} in ${sandbox}`);
    return { run, mode: 'drill', sandbox };
  }

  #open(run: number, file: string): Room {
    const had = this.#rooms.get(run);
    if (had) return had;
    const db = openLedger(file);
    let door: Door;
    try {
      door = new Door({
        db,
        events: new EventHub(),
        now: this.#now,
        log: this.#log,
        ...(this.#options.anchorFor ? { anchor: this.#options.anchorFor(file) } : {}),
        ...this.#options.drillDoor,
      });
    } catch (e) {
      db.close();
      throw e;
    }
    door.events.subscribe((e) => this.#emit(run, e));
    const room = { run, db, door, started: false };
    this.#rooms.set(run, room);
    return room;
  }

  /**
   * The drill's clock beats, and its schedule runs, as in a console opened on the sandbox itself: started once the
   * first console is on it, as its first beat is at once (an event whose minute has come is told to that console).
   */
  #run(room: Room): void {
    if (room.started) return;
    room.started = true;
    room.door.live.start();
  }

  /** Takes a console off its drill (its session there ends); returns the drill it was on. */
  #leave(binding: Binding, reason: string): number | null {
    const key = keyOf(binding);
    const run = this.runOf(key);
    if (run === null || key === null) return null;
    this.#on.delete(key);
    this.#rooms.get(run)?.door.forget(binding, reason);
    return run;
  }

  #source(binding: Binding): string {
    const session = this.live.sessions.sessionOf(keyOf(binding));
    return `drill:${binding.kind === 'window' ? 'window' : (binding.source ?? 'browser')}${session === undefined ? '' : `:session ${session}`}`;
  }

  #emit(run: number | null, e: ConsoleEvent): void {
    for (const l of [...this.#listeners]) {
      try {
        l(run, e);
      } catch (err) {
        this.#log(`riskdesk: a drill event listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
}
