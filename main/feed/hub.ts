// The feed of one process (a console's main side, or `riskdesk feed`): the sources attached to it (stdin, a file
// being appended, a socket, a replay), their marks batched into `prices.tick` calls under each source's actor, and
// what the feed has taken (FeedMonitor). A bad line or a refused mark is reported with where it came from and the
// feed goes on: a refusal that names one mark of a batch (`marks[i]...`) drops that mark and sends the rest again.
// About once a second it announces its state, and an alert when it goes stale.
import type { Actor } from '../commands/context.ts';
import type { ConsoleEvent } from '../../shared/contract.ts';
import type { FeedSourceView, FeedStatus, ReplayStatus } from '../../shared/contractFeed.ts';
import { NdjsonMarks, type LineOutcome } from './ndjson.ts';
import type { Mark, RateMark } from './mark.ts';
import { Batcher } from './batcher.ts';
import { FeedMonitor } from './monitor.ts';
import { ReplayPlayer } from './pacing.ts';
import type { PathPoint, PricePath } from './replay.ts';
import type { Timers } from './timers.ts';
import { RuleError } from '../../shared/errors.ts';

export interface FeedHubOptions {
  /**
   * Commits one batch of marks as `actor` through the command layer (prices.tick); throws its refusal. `clock`: the
   * command's time when the marks keep their own (a replay on the market's clock); else the app's clock.
   */
  tick: (actor: Actor, marks: Mark[], clock?: Date) => void;
  /**
   * Commits one batch of funding-rate marks as `actor` (funding.tick); throws its refusal. Without it, a feed's rate
   * marks are refused.
   */
  tickRates?: (actor: Actor, rates: RateMark[]) => void;
  /** The app's clock (serve --now included). */
  now: () => Date;
  /** Timers for batching, pacing and the status beat (real ones in the app; a fake clock in tests). */
  timers: Timers;
  staleSeconds: () => number;
  emit: (e: ConsoleEvent) => void;
  log: (line: string) => void;
  /** See Batcher: 0 (the default) sends at the next turn what has arrived by then. */
  batchMs?: number;
  batchSize?: number;
  statusEveryMs?: number;
  schedule?: () => FeedStatus['schedule'];
}

interface Item {
  mark: Mark;
  /** Where it came from, for a refusal: "marks.ndjson line 12". */
  where: string;
}

interface RateItem {
  rate: RateMark;
  where: string;
}

/** A stream source: bytes in, marks out to prices.tick. */
export interface FeedInput {
  write(chunk: Buffer | string): void;
  /** A line outcome parsed elsewhere (a socket's connection). */
  line(o: LineOutcome, where: string): void;
  /** The stream ended: parse a last line without newline, send what is batched. */
  end(): void;
  /** Detach (after end). */
  close(): void;
  /** The stream starts over (a truncated or replaced file): line numbers from 1 again. */
  restart(): void;
}

/**
 * Marks a batch holds at most by default. A batch is one command, and the console answers nobody while it runs: at
 * about 1 ms a mark (prices.tick on a 3,000-account book, this 2-core host) 100 marks keep that wait near 100 ms.
 */
export const DEFAULT_BATCH_MARKS = 100;

const fieldOf = (e: unknown): string | undefined => {
  const w = (e as { where?: { field?: unknown } }).where;
  return typeof w?.field === 'string' ? w.field : undefined;
};
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class FeedHub {
  readonly monitor = new FeedMonitor();
  readonly #o: FeedHubOptions;
  readonly #sources = new Set<FeedSourceView>();
  #replay: { player: ReplayPlayer; by: string; source: FeedSourceView } | null = null;
  #beat: unknown = null;
  #stale = false;
  #everAttached = false;
  #lastShape = '';

  constructor(o: FeedHubOptions) {
    this.#o = o;
  }

  /** Starts the status beat (a console's main side; a CLI feed reports on stderr instead). */
  start(): void {
    if (this.#beat !== null) return;
    const every = this.#o.statusEveryMs ?? 1000;
    const beat = () => {
      this.#beat = this.#o.timers.setTimeout(beat, every);
      this.#announce();
    };
    this.#beat = this.#o.timers.setTimeout(beat, every);
  }

  stop(): void {
    if (this.#beat !== null) this.#o.timers.clearTimeout(this.#beat);
    this.#beat = null;
    this.#replay?.player.stop();
  }

  #now(): number {
    return this.#o.now().getTime();
  }

  /** Attaches a stream of NDJSON marks (stdin, a tailed file, a socket), ticked as `actor`. */
  attach(kind: FeedSourceView['kind'], name: string, actor: Actor): FeedInput {
    const view: FeedSourceView = { kind, name, by: actor.name };
    this.#sources.add(view);
    this.#everAttached = true;
    const batcher = new Batcher<Item>((items) => this.#send(actor, items), {
      timers: this.#o.timers,
      maxMarks: this.#o.batchSize ?? DEFAULT_BATCH_MARKS,
      maxWaitMs: this.#o.batchMs ?? 0,
    });
    // Funding-rate marks go in batches of their own to funding.tick: a price batch's refusal never holds them up.
    const rates = new Batcher<RateItem>((items) => this.#sendRates(actor, items), {
      timers: this.#o.timers,
      maxMarks: this.#o.batchSize ?? DEFAULT_BATCH_MARKS,
      maxWaitMs: this.#o.batchMs ?? 0,
    });
    const line = (o: LineOutcome, where: string) => {
      if (!o.ok) this.#refuse(`${where} line ${o.line}: ${o.error}`);
      else if ('rate' in o) rates.push({ rate: o.rate, where: `${where} line ${o.line}` });
      else batcher.push({ mark: o.mark, where: `${where} line ${o.line}` });
    };
    const flush = () => {
      batcher.flush();
      rates.flush();
    };
    let lines = new NdjsonMarks((o) => line(o, name));
    return {
      write: (chunk) => lines.write(chunk),
      line,
      end: () => {
        lines.end();
        flush();
      },
      close: () => {
        flush();
        this.#sources.delete(view);
      },
      restart: () => {
        lines.end();
        flush();
        lines = new NdjsonMarks((o) => line(o, name));
      },
    };
  }

  /** Sends a batch of marks to prices.tick. */
  #send(actor: Actor, items: Item[], clock?: Date): void {
    this.#commit(items, 'marks', (batch) => {
      this.#o.tick(actor, batch.map((i) => i.mark), clock);
      this.monitor.took(batch.map((i) => i.mark), this.#now());
    });
  }

  /** Sends a batch of funding-rate marks to funding.tick. */
  #sendRates(actor: Actor, items: RateItem[]): void {
    const tickRates = this.#o.tickRates;
    if (!tickRates) {
      for (const i of items) this.#refuse(`${i.where}: this feed takes price marks only, not funding rates`);
      return;
    }
    this.#commit(items, 'rates', (batch) => {
      tickRates(actor, batch.map((i) => i.rate));
      this.monitor.tookRates(batch.length, this.#now());
    });
  }

  /** Commits a batch; a refusal naming one item (`marks[i]...`, `rates[i]...`) drops it and commits the rest again. */
  #commit<T extends { where: string }>(items: T[], field: 'marks' | 'rates', commit: (batch: T[]) => void): void {
    let batch = items;
    while (batch.length > 0) {
      try {
        commit(batch);
        return;
      } catch (e) {
        const m = new RegExp(`^${field}\\[(\\d+)\\]`).exec(fieldOf(e) ?? '');
        const k = m ? Number(m[1]) : -1;
        if (k >= 0 && k < batch.length) {
          this.#refuse(`${batch[k]!.where}: ${messageOf(e)}`);
          batch = batch.filter((_, i) => i !== k);
          continue;
        }
        this.#refuse(`${batch.length === 1 ? batch[0]!.where : `${batch[0]!.where} .. ${batch[batch.length - 1]!.where}`}: ${messageOf(e)}`, batch.length);
        return;
      }
    }
  }

  #refuse(message: string, count = 1): void {
    this.monitor.refuse(message, this.#now(), count);
    this.#o.log(`riskdesk feed: refused ${message}`);
  }

  /**
   * Plays `path` into prices.tick as `actor`. `keepTimes` false (the console): each mark is stamped with the app's
   * clock as it is delivered, and of several marks of one instrument in one frame only the last is sent (they would
   * share that instant). `keepTimes` true (a drill on a copy): marks keep the path's times and each instant's marks are
   * committed on the market's clock, at that instant.
   */
  startReplay(actor: Actor, path: PricePath, speed: number, keepTimes = false): ReplayStatus {
    if (this.#replay && ['ready', 'playing', 'paused'].includes(this.#replay.player.state)) {
      throw new RuleError('busy', `a replay started by ${this.#replay.by} is running (${this.#replay.player.status().label}): stop it first`);
    }
    if (this.#replay) this.#sources.delete(this.#replay.source);
    const source: FeedSourceView = { kind: 'replay', name: path.label, by: actor.name };
    const player = new ReplayPlayer(path, {
      timers: this.#o.timers,
      speed,
      maxPerFrame: this.#o.batchSize ?? DEFAULT_BATCH_MARKS,
      emit: (points) => this.#deliver(actor, points, keepTimes),
      onChange: (s) => {
        if (s.state === 'done' || s.state === 'stopped') this.#sources.delete(source);
      },
    });
    this.#replay = { player, by: actor.name, source };
    this.#sources.add(source);
    this.#everAttached = true;
    player.play();
    return this.replayStatus()!;
  }

  #deliver(actor: Actor, points: PathPoint[], keepTimes: boolean): void {
    const where = (p: PathPoint) => `replay ${new Date(p.at).toISOString()} ${p.instrument}`;
    if (keepTimes) {
      // One command per market instant, on that instant's clock: the calls a mark makes carry its time.
      for (let i = 0; i < points.length; ) {
        let j = i;
        while (j < points.length && points[j]!.at === points[i]!.at) j++;
        const group = points.slice(i, j).map((p) => ({ mark: { instrument: p.instrument, price: p.price, time: new Date(p.at).toISOString() }, where: where(p) }));
        this.#send(actor, group, new Date(points[i]!.at));
        i = j;
      }
      return;
    }
    const time = this.#o.now().toISOString();
    const last = new Map<string, PathPoint>();
    for (const p of points) last.set(p.instrument, p);
    this.#send(actor, [...last.values()].map((p) => ({ mark: { instrument: p.instrument, price: p.price, time }, where: where(p) })));
  }

  /** The replay in progress or last run, or a refusal when there is none to steer. */
  replay(): ReplayPlayer {
    if (!this.#replay) throw new RuleError('no_replay', 'no replay has been started on this console');
    return this.#replay.player;
  }

  replayStatus(): ReplayStatus | null {
    return this.#replay ? { ...this.#replay.player.status(), by: this.#replay.by } : null;
  }

  status(): FeedStatus {
    const now = this.#now();
    const staleAfter = this.#o.staleSeconds();
    const last = this.monitor.lastAt;
    const age = last === null ? null : Math.max(0, Math.floor((now - last) / 1000));
    const state: FeedStatus['state'] = age !== null && age < staleAfter ? 'live' : this.#everAttached ? 'stale' : 'off';
    return {
      state,
      at: new Date(now).toISOString(),
      staleAfterSeconds: staleAfter,
      sources: [...this.#sources].map((s) => ({ ...s })),
      instruments: this.monitor.instruments(now),
      marksPerSecond: this.monitor.marksPerSecond(now),
      lastMarkAgeSeconds: age,
      accepted: this.monitor.accepted,
      refused: this.monitor.refused,
      lastError: this.monitor.lastError,
      replay: this.replayStatus(),
      schedule: this.#o.schedule?.() ?? null,
    };
  }

  /** The state to every console, and an alert the moment the feed goes stale (again after it was live). */
  #announce(): void {
    let s: FeedStatus;
    try {
      s = this.status();
    } catch (e) {
      this.#o.log(`riskdesk feed: status unavailable: ${messageOf(e)}`);
      return;
    }
    // With no feed at all, only a change (of the schedule) is worth a word.
    const { at: _at, ...rest } = s;
    const shape = JSON.stringify(rest);
    if (s.state !== 'off' || shape !== this.#lastShape) this.#o.emit({ type: 'feed.status', status: s });
    this.#lastShape = shape;
    if (s.state === 'stale' && !this.#stale) {
      const since = s.lastMarkAgeSeconds === null ? 'no mark yet' : `no mark for ${s.lastMarkAgeSeconds} s`;
      this.#o.emit({ type: 'alert', alert: { at: s.at, level: 'warning', text: `Market data feed stale: ${since} (stale after ${s.staleAfterSeconds} s)` } });
    }
    if (s.state === 'live' && this.#stale) this.#o.emit({ type: 'alert', alert: { at: s.at, level: 'info', text: 'Market data feed live: marks are coming in' } });
    this.#stale = s.state === 'stale';
  }
}
