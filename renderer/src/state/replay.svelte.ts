// The Market data screen's replay controls: each is a feed channel the main side answers with the feed's state, so
// the screen shows what the server holds (events keep it current between two clicks).
import type { BridgeError, InvokeResult } from '../../../shared/bridge.ts';
import type { FeedStatus } from '../../../shared/contractFeed.ts';
import { invoke } from '../bridge/client.svelte.ts';
import { feed } from './feed.svelte.ts';

export type ReplaySource = 'daily' | 'csv';
export const REPLAY_SPEEDS = [1, 10, 60, 300, 600, 1800, 3600] as const;

export class ReplayControls {
  source = $state<ReplaySource>('daily');
  from = $state('2020-03-09');
  to = $state('2020-03-13');
  stepsPerDay = $state(288);
  speed = $state(600);
  file = $state.raw<File | null>(null);
  busy = $state(false);
  error = $state.raw<BridgeError | null>(null);

  /** The replay as the server last said. */
  get status() {
    return feed.market?.replay ?? null;
  }

  get active(): boolean {
    const s = this.status?.state;
    return s === 'playing' || s === 'paused' || s === 'ready';
  }

  async #take(p: Promise<InvokeResult<'feed.status'>>): Promise<void> {
    this.busy = true;
    const r = await p;
    this.busy = false;
    if (r.ok) {
      this.error = null;
      feed.setMarket(r.value as FeedStatus);
    } else this.error = r.error;
  }

  async start(): Promise<void> {
    if (this.source === 'daily') {
      await this.#take(invoke('feed.replay.start', { source: 'daily', from: this.from, to: this.to, speed: this.speed, stepsPerDay: this.stepsPerDay }));
      return;
    }
    const f = this.file;
    if (!f) {
      this.error = { code: 'bad_input', message: 'Pick a prices CSV file (instrument, at, mark) to replay', where: { field: 'file' } };
      return;
    }
    let text: string;
    try {
      text = await f.text();
    } catch (e) {
      this.error = { code: 'bad_input', message: `Could not read ${f.name}: ${e instanceof Error ? e.message : String(e)}`, where: { file: f.name } };
      return;
    }
    await this.#take(invoke('feed.replay.start', { source: 'csv', file: f.name, text, speed: this.speed }));
  }

  pause = () => this.#take(invoke('feed.replay.pause', {}));
  resume = () => this.#take(invoke('feed.replay.resume', {}));
  step = () => this.#take(invoke('feed.replay.step', {}));
  stop = () => this.#take(invoke('feed.replay.stop', {}));

  async setSpeed(speed: number): Promise<void> {
    this.speed = speed;
    if (this.active) await this.#take(invoke('feed.replay.speed', { speed }));
  }
}

export const replay = new ReplayControls();
