// The drill clock's beat in a console open on a drill's sandbox (issue 16): every `everyMs` (a second) it reads where
// each running drill's clock stands (playbooks.clock) and, for each drill with something due, runs one beat
// (playbooks.fire) through the door as system:drill-clock, journalled like any command; the desk is told what
// happened. The first beat is at start, so an event whose minute came while the app was closed happens then, once
// (the command marks it in the run; a second beat finds nothing due). Only the command layer decides what is due: a
// paused drill has nothing due, an ended one is not read. A beat never overlaps a margin cycle the console runs (it
// waits for it, as the feed's marks do), and a failure is logged and shown to the desk, once per distinct reason.
import type { Timers } from '../feed/timers.ts';
import type { ConsoleEvent } from '../../shared/contract.ts';
import type { DrillBeat, DrillClockView } from '../../shared/contractPlaybook.ts';
import { RuleError } from '../../shared/errors.ts';

/** What the beat needs of the door it runs behind. */
export interface BeatDoor {
  now(): Date;
  /** Runs a channel as the drill clock's actor through dispatch. */
  run(channel: 'playbooks.clock' | 'playbooks.fire', payload: unknown): unknown;
  emit(e: ConsoleEvent): void;
  log(line: string): void;
  /** Runs `f` now, or after the margin cycle the console is running. */
  whenIdle(f: () => void): void;
}

export const BEAT_MS = 1_000;

export class DrillClockBeat {
  readonly #timers: Timers;
  readonly #door: BeatDoor;
  readonly #everyMs: number;
  #handle: unknown = null;
  #running = false;
  #lastFailure: string | null = null;
  readonly counts = { beats: 0, fired: 0, failed: 0 };

  constructor(o: { timers: Timers; door: BeatDoor; everyMs?: number }) {
    this.#timers = o.timers;
    this.#door = o.door;
    this.#everyMs = o.everyMs ?? BEAT_MS;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#wake();
  }

  stop(): void {
    this.#running = false;
    if (this.#handle !== null) this.#timers.clearTimeout(this.#handle);
    this.#handle = null;
  }

  #wake(): void {
    this.#handle = null;
    if (!this.#running) return;
    this.#door.whenIdle(() => this.beat());
    this.#handle = this.#timers.setTimeout(() => this.#wake(), this.#everyMs);
  }

  /** One beat now: every running drill with something due moves on. */
  beat(): void {
    if (!this.#running) return;
    this.counts.beats++;
    try {
      const view = this.#door.run('playbooks.clock', {}) as DrillClockView;
      for (const d of view.drills) if (d.due) this.#fire(d.run);
      this.#lastFailure = null;
    } catch (e) {
      this.#failed(e);
    }
  }

  #fire(run: number): void {
    let b: DrillBeat;
    try {
      b = this.#door.run('playbooks.fire', { run }) as DrillBeat;
    } catch (e) {
      // Another door (a step at the CLI) took what was due between the read and the beat: nothing is left to do.
      if (e instanceof RuleError && e.code === 'nothing_due') return;
      throw e;
    }
    const at = this.#door.now().toISOString();
    for (const f of b.fired) {
      this.counts.fired++;
      this.#door.log(`riskdesk: drill run ${run}: ${f.text}: ${f.effect}`);
      this.#door.emit({ type: 'alert', alert: { at, level: 'warning', text: `Drill run ${run}: ${f.text} (${f.effect})` } });
    }
    if (b.escalated.length > 0) this.#door.log(`riskdesk: drill run ${run}: calls ${b.escalated.join(', ')} escalated (a member missing its calls)`);
    this.#door.emit({ type: 'calls.changed' });
    this.#door.emit({ type: 'liquidations.changed' });
  }

  #failed(e: unknown): void {
    this.counts.failed++;
    const why = e instanceof Error ? e.message : String(e);
    // A failure that lasts (a ledger open read-only) would fail every second: it is said once, until it changes.
    if (why === this.#lastFailure) return;
    this.#lastFailure = why;
    this.#door.log(`riskdesk: the drill clock's beat failed: ${why}`);
    this.#door.emit({ type: 'alert', alert: { at: this.#door.now().toISOString(), level: 'warning', text: `The drill clock could not move the drill on: ${why}` } });
  }
}
