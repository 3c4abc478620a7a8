// Console events pushed by the main side (Electron IPC or SSE): screens watch the counters to refresh, the feed
// indicator shows the market-data feed's state, and the accounts table picks up the rows an event says changed.
import type { Alert, ConsoleEvent, CycleSummary } from '../../../shared/contract.ts';
import type { FeedStatus } from '../../../shared/contractFeed.ts';
import { bridge, invoke } from '../bridge/client.svelte.ts';
import { nav } from './nav.svelte.ts';

export class LiveFeed {
  /** Bumped on every finished margin cycle. */
  cycles = $state(0);
  /** Bumped when margin calls changed (a deposit, a waiver, a price tick ... from any window or the feed). */
  callChanges = $state(0);
  lastCycle = $state.raw<CycleSummary | null>(null);
  toasts = $state<{ id: number; alert: Alert }[]>([]);
  /** The market-data feed as the main side last announced it (null until it has said anything). */
  market = $state.raw<FeedStatus | null>(null);
  /** Date.now() when `market` came: ages on screen count on from there between two announcements. */
  marketAt = $state(0);
  /** Accounts an event said changed since the accounts table last took them (it empties this when it does). */
  changedAccounts = $state.raw<ReadonlySet<string>>(new Set());
  #nextToast = 1;
  #off: (() => void) | null = null;

  start(): void {
    if (this.#off) return;
    this.#off = bridge().onEvent((e) => this.receive(e));
    void this.refreshMarket();
  }

  stop(): void {
    this.#off?.();
    this.#off = null;
  }

  /** Asks for the feed's state once (at start; events keep it current from then on). */
  async refreshMarket(): Promise<void> {
    const r = await invoke('feed.status', {});
    if (r.ok) this.setMarket(r.value);
  }

  setMarket(s: FeedStatus): void {
    this.market = s;
    this.marketAt = Date.now();
  }

  /** The changed accounts, taken: the caller refetches them. */
  takeChangedAccounts(): string[] {
    const ids = [...this.changedAccounts];
    if (ids.length) this.changedAccounts = new Set();
    return ids;
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
      case 'accounts.changed':
        this.changedAccounts = new Set([...this.changedAccounts, ...e.accounts]);
        break;
      case 'feed.status':
        this.setMarket(e.status);
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
