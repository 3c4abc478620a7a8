// Plays a price path against a clock at 1x-3600x: market time runs `speed` times as fast as the clock from where it
// was when play (or resume, or a change of speed) began. Every frame (at most one per `frameMs`) hands over all
// points that have come due, at most `maxPerFrame` at once (the rest at once after). Pause holds market time;
// step hands over the next point (with every point of the same time) and stays paused.
import type { PathPoint, PricePath } from './replay.ts';
import type { Timers } from './timers.ts';
import { MIN_REPLAY_SPEED, MAX_REPLAY_SPEED, type ReplayStatus } from '../../shared/contractFeed.ts';

export const MIN_SPEED = MIN_REPLAY_SPEED;
export const MAX_SPEED = MAX_REPLAY_SPEED;

export type ReplayState = ReplayStatus['state'];
export type { ReplayStatus };

export interface PlayerOptions {
  timers: Timers;
  speed?: number;
  frameMs?: number;
  maxPerFrame?: number;
  emit: (points: PathPoint[]) => void;
  /** After every change of state or position. */
  onChange?: (s: ReplayStatus) => void;
}

export function checkSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed < MIN_SPEED || speed > MAX_SPEED) throw new RangeError(`speed must be from ${MIN_SPEED}x to ${MAX_SPEED}x, not ${speed}`);
  return speed;
}

export class ReplayPlayer {
  readonly #path: PricePath;
  readonly #o: Required<Omit<PlayerOptions, 'onChange'>> & Pick<PlayerOptions, 'onChange'>;
  #state: ReplayState = 'ready';
  #next = 0;
  /** Market time (ms) at the clock reading #clockAnchor, while playing; where it stands otherwise. */
  #marketAnchor: number;
  #clockAnchor = 0;
  #timer: unknown = null;

  constructor(path: PricePath, o: PlayerOptions) {
    if (path.points.length === 0) throw new RangeError('an empty path has nothing to replay');
    this.#path = path;
    this.#o = { speed: 1, frameMs: 50, maxPerFrame: 5000, ...o };
    checkSpeed(this.#o.speed);
    this.#marketAnchor = path.points[0]!.at;
  }

  get state(): ReplayState {
    return this.#state;
  }

  status(): ReplayStatus {
    const pts = this.#path.points;
    const at = this.#state === 'playing' ? this.#marketNow() : this.#marketAnchor;
    return {
      label: this.#path.label,
      state: this.#state,
      speed: this.#o.speed,
      done: this.#next,
      total: pts.length,
      at: new Date(Math.min(at, pts[pts.length - 1]!.at)).toISOString(),
      from: new Date(pts[0]!.at).toISOString(),
      to: new Date(pts[pts.length - 1]!.at).toISOString(),
    };
  }

  play(): void {
    if (this.#state === 'playing' || this.#finished()) return;
    this.#state = 'playing';
    this.#clockAnchor = this.#o.timers.now();
    this.#frame();
  }

  pause(): void {
    if (this.#state !== 'playing') return;
    this.#marketAnchor = this.#marketNow();
    this.#cancel();
    this.#state = 'paused';
    this.#changed();
  }

  resume(): void {
    if (this.#state === 'paused' || this.#state === 'ready') this.play();
  }

  /** The next point, and every point at the same time; leaves the replay paused (or done). */
  step(): PathPoint[] {
    if (this.#finished()) return [];
    if (this.#state === 'playing') this.pause();
    const pts = this.#path.points;
    const at = pts[this.#next]!.at;
    let end = this.#next;
    while (end < pts.length && pts[end]!.at === at) end++;
    const batch = pts.slice(this.#next, end);
    this.#next = end;
    this.#marketAnchor = at;
    this.#state = this.#next >= pts.length ? 'done' : 'paused';
    this.#o.emit(batch);
    this.#changed();
    return batch;
  }

  setSpeed(speed: number): void {
    checkSpeed(speed);
    if (this.#state === 'playing') {
      this.#marketAnchor = this.#marketNow();
      this.#clockAnchor = this.#o.timers.now();
    }
    this.#o.speed = speed;
    if (this.#state === 'playing') {
      this.#cancel();
      this.#frame();
    } else this.#changed();
  }

  stop(): void {
    if (this.#state === 'stopped' || this.#state === 'done') return;
    this.#cancel();
    this.#state = 'stopped';
    this.#changed();
  }

  #finished(): boolean {
    return this.#state === 'done' || this.#state === 'stopped';
  }

  #marketNow(): number {
    return this.#marketAnchor + (this.#o.timers.now() - this.#clockAnchor) * this.#o.speed;
  }

  #cancel(): void {
    if (this.#timer !== null) this.#o.timers.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #changed(): void {
    this.#o.onChange?.(this.status());
  }

  /** Hands over what is due and sets the timer for the next frame. */
  #frame(): void {
    this.#timer = null;
    if (this.#state !== 'playing') return;
    const pts = this.#path.points;
    const now = this.#marketNow();
    let end = this.#next;
    const cap = this.#next + this.#o.maxPerFrame;
    while (end < pts.length && end < cap && pts[end]!.at <= now) end++;
    const backlog = end < pts.length && pts[end]!.at <= now;
    if (end > this.#next) {
      const batch = pts.slice(this.#next, end);
      this.#next = end;
      this.#o.emit(batch);
    }
    if (this.#next >= pts.length) {
      this.#marketAnchor = pts[pts.length - 1]!.at;
      this.#state = 'done';
      this.#changed();
      return;
    }
    this.#changed();
    const wait = backlog ? 0 : Math.max(this.#o.frameMs, Math.ceil((pts[this.#next]!.at - now) / this.#o.speed));
    this.#timer = this.#o.timers.setTimeout(() => this.#frame(), wait);
  }
}
