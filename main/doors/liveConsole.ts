// The running console's live side (issue 15): the market-data feed (sources attached at start, replays started from
// the Market data screen) and the scheduled cycles. Both run in the main side under an actor and through the same
// door as every window: each batch of marks is a `prices.tick`, each scheduled cycle a `cycle.run` by the system
// actor SCHEDULER, journalled under that name, with the events those commands announce. On a drill's sandbox, the
// drill clock's beat too (main/schedule/drillBeat.ts): injected events happen when their minute comes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Actor } from '../commands/context.ts';
import type { Channel, ConsoleEvent, InputOf, InstrumentView, PriceSeries } from '../../shared/contract.ts';
import type { FeedStatus } from '../../shared/contractFeed.ts';
import { FEED_CHANNELS } from '../../shared/contractFeed.ts';
import { FeedHub } from '../feed/hub.ts';
import { realTimers, type Timers } from '../feed/timers.ts';
import { FileTailer } from '../feed/tail.ts';
import { listenMarks, type MarkSocket, type SocketAddress } from '../feed/socket.ts';
import { pathFromPricesCsv, type PricePath } from '../feed/replay.ts';
import { dailyPath } from '../feed/dailyPath.ts';
import { CycleScheduler } from '../schedule/scheduler.ts';
import { DrillClockBeat } from '../schedule/drillBeat.ts';
import { DRILL_BEAT } from '../commands/playbooks/beat.ts';
import { isDrillSandbox } from '../playbooks/sandbox.ts';
import { DEFAULT_DATA_DIR } from '../demo/market.ts';
import { DRILL_SCENARIOS, type DrillScenarioId } from '../../shared/contractPlaybook.ts';
import { readLivePolicy, DEFAULT_LIVE_POLICY, type LivePolicy } from '../ledger/bookRepo.ts';
import type { Database } from 'better-sqlite3';

/** The system actor of scheduled cycles: not a user name (those cannot hold a colon), an operator's rights. */
export const SCHEDULER: Actor = { name: 'system:scheduler', role: 'operator' };

export type FeedChannel = (typeof FEED_CHANNELS)[number];
export const isFeedChannel = (c: string): c is FeedChannel => (FEED_CHANNELS as readonly string[]).includes(c);

/** What the live side needs of the door it runs behind. */
export interface LiveDoor {
  db: Database;
  now(): Date;
  /** Runs a channel as `actor` through dispatch, announcing its events; `clock` fixes the command's time. */
  runAs(actor: Actor, channel: Channel, payload: unknown, clock?: Date): unknown;
  emit(e: ConsoleEvent): void;
  log(line: string): void;
  /** Runs `f` now, or after the margin cycle the console is running (marks must not join its transaction). */
  whenIdle(f: () => void): void;
}

export interface LiveOptions {
  timers?: Timers;
  /** The daily files for replays (default ../shared/data beside the repo). */
  dataDir?: string;
  /** Schedule cycles (default true). */
  schedule?: boolean;
  /**
   * A batch of marks goes to prices.tick after this many ms, or when it holds batchSize marks (defaults 0, 100). 0: at
   * the next turn of the event loop, with whatever arrived while the last batch was committed (feed/batcher.ts).
   */
  batchMs?: number;
  batchSize?: number;
  /** On a drill's sandbox, beat the drill clock (default true), every beatMs (default 1 s). */
  drillBeat?: boolean;
  beatMs?: number;
}

/** The app clock as timers: the scheduler reads the app's time (serve --now), waits on real timers. */
function appTimers(now: () => Date, base: Timers): Timers {
  return {
    now: () => now().getTime(),
    setTimeout: (fn, ms) => base.setTimeout(fn, ms),
    clearTimeout: (h) => base.clearTimeout(h),
    setImmediate: (fn) => base.setImmediate(fn),
    clearImmediate: (h) => base.clearImmediate(h),
  };
}

export class LiveConsole {
  readonly hub: FeedHub;
  readonly scheduler: CycleScheduler | null;
  /** The drill clock's beat: only in a console open on a drill's sandbox. */
  readonly drillBeat: DrillClockBeat | null;
  readonly #door: LiveDoor;
  readonly #timers: Timers;
  readonly #dataDir: string;
  readonly #closers: (() => void | Promise<void>)[] = [];

  constructor(door: LiveDoor, o: LiveOptions = {}) {
    this.#door = door;
    this.#timers = o.timers ?? realTimers;
    this.#dataDir = o.dataDir ?? fileURLToPath(DEFAULT_DATA_DIR);
    const scheduler =
      o.schedule === false
        ? null
        : new CycleScheduler({
            timers: appTimers(() => door.now(), this.#timers),
            policy: () => this.#policy(),
            // A cycle the desk started from the console holds the ledger in slices: the scheduled one runs after it.
            run: (kind, at) =>
              door.whenIdle(() => {
                try {
                  const r = door.runAs(SCHEDULER, 'cycle.run', kind === 'eod' ? { at: at.toISOString() } : {}) as { cycle: number };
                  door.log(`riskdesk: scheduled ${kind} cycle ${r.cycle} by ${SCHEDULER.name}`);
                } catch (e) {
                  // The desk sees it too: a schedule that silently stopped working is worse than none.
                  const text = `Scheduled ${kind === 'eod' ? 'end-of-day' : 'interval'} margin cycle refused: ${(e as Error).message}`;
                  door.emit({ type: 'alert', alert: { at: door.now().toISOString(), level: 'warning', text } });
                  throw e;
                }
              }),
            log: (line) => door.log(`riskdesk: ${line}`),
          });
    this.scheduler = scheduler;
    this.drillBeat =
      o.drillBeat === false || !isDrillSandbox(door.db.name)
        ? null
        : new DrillClockBeat({
            timers: this.#timers,
            ...(o.beatMs !== undefined ? { everyMs: o.beatMs } : {}),
            door: { now: () => door.now(), run: (channel, payload) => door.runAs(DRILL_BEAT, channel, payload), emit: (e) => door.emit(e), log: (l) => door.log(l), whenIdle: (f) => door.whenIdle(f) },
          });
    this.hub = new FeedHub({
      tick: (actor, marks, clock) => this.#tick(actor, 'prices.tick', { marks }, `${marks.length} marks`, clock),
      tickRates: (actor, rates) =>
        this.#tick(actor, 'funding.tick', { rates: rates.map((r) => ({ instrument: r.instrument, rate: r.fundingRate, fundingTime: r.fundingTime, time: r.time })) }, `${rates.length} funding-rate marks`),
      now: () => door.now(),
      timers: this.#timers,
      staleSeconds: () => this.#policy().feedStaleSeconds,
      emit: (e) => door.emit(e),
      log: (line) => door.log(line),
      ...(o.batchMs !== undefined ? { batchMs: o.batchMs } : {}),
      ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
      schedule: () => {
        if (!scheduler) return null;
        const p = this.#policy();
        const next = scheduler.next;
        const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
        return { everySeconds: p.cycleEverySeconds, eodAt: p.eodCycleAt, nextInterval: iso(next.interval), nextEod: iso(next.eod), running: scheduler.running, skipped: scheduler.counts.skipped };
      },
    });
  }

  #policy(): LivePolicy {
    try {
      return readLivePolicy(this.#door.db);
    } catch (e) {
      this.#door.log(`riskdesk: ${(e as Error).message}; using the defaults`);
      return DEFAULT_LIVE_POLICY;
    }
  }

  #tick(actor: Actor, channel: 'prices.tick' | 'funding.tick', payload: unknown, what: string, clock?: Date): void {
    // Marks that arrive while a console cycle runs are applied, in order, as soon as it settles; a refusal then can
    // no longer reach the feed's caller, so the desk is told.
    let atOnce = true;
    this.#door.whenIdle(() => {
      if (atOnce) {
        this.#door.runAs(actor, channel, payload, clock);
        return;
      }
      try {
        this.#door.runAs(actor, channel, payload, clock);
      } catch (e) {
        const text = `${what} that arrived during a margin cycle were refused: ${(e as Error).message}`;
        this.#door.emit({ type: 'alert', alert: { at: this.#door.now().toISOString(), level: 'warning', text } });
      }
    });
    atOnce = false;
  }

  start(): void {
    this.hub.start();
    this.scheduler?.start();
    this.drillBeat?.start();
  }

  async stop(): Promise<void> {
    this.scheduler?.stop();
    this.drillBeat?.stop();
    this.hub.stop();
    for (const c of this.#closers.splice(0)) await c();
  }

  /** Follows a file being appended, ticking its marks as `actor` (serve --feed FILE). */
  followFile(file: string, actor: Actor, from: 'start' | 'end' = 'end'): void {
    const input = this.hub.attach('file', path.basename(file), actor);
    const tailer = new FileTailer(file, (chunk) => input.write(chunk), {
      timers: this.#timers,
      pollMs: 50,
      from,
      onRestart: (why) => {
        if (why !== 'opened') input.restart();
      },
      onError: (m) => this.#door.log(`riskdesk feed: ${m}`),
    });
    tailer.start();
    this.#closers.push(() => {
      tailer.stop();
      input.end();
      input.close();
    });
  }

  /** Listens on a unix socket or a 127.0.0.1 port for marks (serve --feed-socket). */
  async listen(address: SocketAddress, actor: Actor): Promise<MarkSocket> {
    const name = 'path' in address ? path.basename(address.path) : `127.0.0.1:${address.port}`;
    const input = this.hub.attach('socket', name, actor);
    const sock = await listenMarks(address, (o, conn) => input.line(o, `${name} ${conn}`));
    this.#closers.push(async () => {
      await sock.close();
      input.close();
    });
    return sock;
  }

  /** A feed channel from a console window, as `actor` (the door has checked the schema and the role). */
  answer(actor: Actor, channel: FeedChannel, input: unknown): FeedStatus {
    const hub = this.hub;
    switch (channel) {
      case 'feed.status':
        break;
      case 'feed.replay.start': {
        const i = input as InputOf<'feed.replay.start'>;
        hub.startReplay(actor, this.replayPath(actor, i), i.speed);
        break;
      }
      case 'feed.replay.pause':
        hub.replay().pause();
        break;
      case 'feed.replay.resume':
        hub.replay().resume();
        break;
      case 'feed.replay.step':
        hub.replay().step();
        break;
      case 'feed.replay.stop':
        hub.replay().stop();
        break;
      case 'feed.replay.speed':
        hub.replay().setSpeed((input as InputOf<'feed.replay.speed'>).speed);
        break;
    }
    return hub.status();
  }

  /**
   * A drill started from a console with a scenario by name: its path, made from the data files over this ledger's
   * book (the command layer reads no files), put in the request in place of the name.
   */
  withScenario(actor: Actor, payload: unknown): unknown {
    if (payload === null || typeof payload !== 'object' || !('scenarioId' in payload)) return payload;
    const { scenarioId, speed, ...rest } = payload as { scenarioId: unknown; speed?: unknown };
    if (typeof scenarioId !== 'string' || !Object.hasOwn(DRILL_SCENARIOS, scenarioId)) return payload; // the schema refuses it, naming the field
    const s = DRILL_SCENARIOS[scenarioId as DrillScenarioId];
    const { points } = this.#dailyPath(actor, { source: 'daily', from: s.from, to: s.to, speed: 1, stepsPerDay: 24, seed: 1 });
    return { ...rest, scenario: { id: scenarioId, acceleration: typeof speed === 'number' ? speed : 288, points } };
  }

  /** The path a replay request names: the CSV it carries, or the daily files expanded. */
  replayPath(actor: Actor, i: InputOf<'feed.replay.start'>): PricePath {
    return i.source === 'csv' ? pathFromPricesCsv(i.text, i.file) : this.#dailyPath(actor, i);
  }

  /**
   * The daily files expanded for every future and perpetual whose underlying has one, each rescaled to its
   * current mark and rounded to its tick (replay.ts). Instruments without a mark yet are left out.
   */
  #dailyPath(actor: Actor, i: Extract<InputOf<'feed.replay.start'>, { source: 'daily' }>): PricePath {
    const instruments = this.#door.runAs(actor, 'instruments.list', {}) as InstrumentView[];
    return dailyPath(instruments, (ids) => this.#door.runAs(actor, 'prices.history', { instruments: ids, limit: 1 }) as PriceSeries[], this.#dataDir, i);
  }
}
