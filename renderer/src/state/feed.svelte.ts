// Console events pushed by the main side (Electron IPC or SSE): screens watch the counters to refresh.
import type { Alert, ConsoleEvent, CycleSummary } from '../../../shared/contract.ts';
import { bridge } from '../bridge/client.svelte.ts';
import { nav } from './nav.svelte.ts';

export class LiveFeed {
  /** Bumped on every finished margin cycle. */
  cycles = $state(0);
  /** Bumped when margin calls changed (a deposit, a waiver ... from any window). */
  callChanges = $state(0);
  lastCycle = $state.raw<CycleSummary | null>(null);
  toasts = $state<{ id: number; alert: Alert }[]>([]);
  #nextToast = 1;
  #off: (() => void) | null = null;

  start(): void {
    if (this.#off) return;
    this.#off = bridge().onEvent((e) => this.receive(e));
  }

  stop(): void {
    this.#off?.();
    this.#off = null;
  }

  receive(e: ConsoleEvent): void {
    switch (e.type) {
      case 'cycle.done':
        this.lastCycle = e.summary;
        this.cycles++;
        break;
      case 'calls.changed':
        this.callChanges++;
        break;
      case 'alert':
        this.toast(e.alert);
        break;
      case 'navigate':
        nav.go(e.screen);
        break;
    }
  }

  toast(alert: Alert): void {
    const id = this.#nextToast++;
    this.toasts = [...this.toasts, { id, alert }].slice(-4);
    setTimeout(() => this.dismiss(id), 8000);
  }

  dismiss(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }
}

export const feed = new LiveFeed();
