// The market-data feed's channels (issue 15 items 3-5): merged into the contract in contract.ts. The feed runs in the
// console's main side (serve, Electron main) and every mark it takes goes through `prices.tick` under the user who
// started it; these channels only start, steer and watch it, so the console's door answers them (DOOR_CHANNELS).
import { z } from 'zod';
import type { AccountsTable } from './contract.ts';
import { defineCommand, returns } from './command.ts';

export const MIN_REPLAY_SPEED = 1;
export const MAX_REPLAY_SPEED = 3600;

export interface ReplayStatus {
  label: string;
  state: 'ready' | 'playing' | 'paused' | 'done' | 'stopped';
  speed: number;
  /** Points handed over so far, of `total`. */
  done: number;
  total: number;
  /** Where the path's market time is, and its first and last times (ISO). */
  at: string | null;
  from: string;
  to: string;
  /** Who started it (the actor of its ticks). */
  by?: string;
}

export interface FeedInstrumentStatus {
  instrument: string;
  price: string;
  /** The mark's own time, and when the feed took it (the console's clock). */
  markTime: string;
  receivedAt: string;
  ageSeconds: number;
}

export interface FeedSourceView {
  kind: 'stdin' | 'file' | 'socket' | 'replay';
  name: string;
  /** The actor its marks are ticked as. */
  by: string;
}

export interface FeedStatus {
  /** off: nothing attached and no mark taken yet; live: a mark within `staleAfterSeconds`; stale: none since. */
  state: 'off' | 'live' | 'stale';
  /** The console's clock when this was made. */
  at: string;
  staleAfterSeconds: number;
  sources: FeedSourceView[];
  /** By instrument id. */
  instruments: FeedInstrumentStatus[];
  /** Marks taken in the last 10 seconds, per second. */
  marksPerSecond: number;
  lastMarkAgeSeconds: number | null;
  /** Marks taken into ticks, and lines or marks refused (bad line, unknown instrument, clock). */
  accepted: number;
  refused: number;
  lastError: { at: string; message: string } | null;
  replay: ReplayStatus | null;
  /** The scheduled cycles of this console, or null where none run (a CLI feed). */
  schedule: { everySeconds: number; eodAt: string | null; nextInterval: string | null; nextEod: string | null; running: boolean; skipped: number } | null;
}

const speed = z.number().min(MIN_REPLAY_SPEED, `speed must be at least ${MIN_REPLAY_SPEED}x`).max(MAX_REPLAY_SPEED, `speed must be at most ${MAX_REPLAY_SPEED}x`);
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a day such as 2020-03-09');

const empty = z.object({}).strict();
const feedStatus = returns<FeedStatus>();

export const FEED_CHANNELS = ['feed.status', 'feed.replay.start', 'feed.replay.pause', 'feed.replay.resume', 'feed.replay.step', 'feed.replay.stop', 'feed.replay.speed'] as const;

export const feedContract = {
  /** The feed's state: live or stale, the last mark per instrument, marks per second, the replay, the schedule. */
  'feed.status': defineCommand({ role: 'viewer', mutates: false, input: empty, output: feedStatus, emits: [], refuses: [] }),
  /**
   * Replays a price path into prices.tick: the daily files of the data folder expanded to intraday paths (each
   * instrument rescaled to its current mark), or a prices CSV sent with the request. Each mark is stamped with the
   * console's clock when it is delivered. One replay at a time per console.
   */
  'feed.replay.start': defineCommand({
    role: 'operator',
    mutates: false,
    input: z.discriminatedUnion('source', [
      z
        .object({
          source: z.literal('daily'),
          from: day,
          to: day,
          speed,
          stepsPerDay: z.number().int().min(1).max(1440).optional(),
          seed: z.number().int().min(0).max(0xffffffff).optional(),
        })
        .strict(),
      z.object({ source: z.literal('csv'), file: z.string().min(1).max(260), text: z.string().min(1).max(900 * 1024), speed }).strict(),
    ]),
    output: feedStatus,
    emits: [],
    refuses: [],
  }),
  'feed.replay.pause': defineCommand({ role: 'operator', mutates: false, input: empty, output: feedStatus, emits: [], refuses: ['no_replay'] }),
  'feed.replay.resume': defineCommand({ role: 'operator', mutates: false, input: empty, output: feedStatus, emits: [], refuses: ['no_replay'] }),
  /** The next point of the path (all of one time), leaving the replay paused. */
  'feed.replay.step': defineCommand({ role: 'operator', mutates: false, input: empty, output: feedStatus, emits: [], refuses: ['no_replay'] }),
  'feed.replay.stop': defineCommand({ role: 'operator', mutates: false, input: empty, output: feedStatus, emits: [], refuses: ['no_replay'] }),
  'feed.replay.speed': defineCommand({ role: 'operator', mutates: false, input: z.object({ speed }).strict(), output: feedStatus, emits: [], refuses: ['no_replay'] }),
  /**
   * Rows of the accounts table for the accounts named (the ones an `accounts.changed` event said changed), in the
   * table's form, so the console updates those rows in place instead of reloading every account.
   */
  'accounts.rows': defineCommand({
    role: 'viewer',
    mutates: false,
    input: z.object({ ids: z.array(z.string().min(1).max(64)).min(1).max(10_000) }).strict(),
    output: returns<AccountsTable>(),
    emits: [],
    refuses: [],
  }),
} as const;
