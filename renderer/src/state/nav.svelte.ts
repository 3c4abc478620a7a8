// Which screen is showing, and what it was asked to open. The address hash mirrors it so a reload stays put.
import { SCREENS, isScreen, type ScreenId, type ScreenInfo } from '../../../shared/screens.ts';

export { SCREENS, type ScreenId, type ScreenInfo };
export type ScreenAction = 'verify-journal' | 'import-csv' | 'run-cycle' | 'search';

function fromHash(): { screen: ScreenId; arg: string | null } {
  const [screen = '', arg] = window.location.hash.replace(/^#\/?/, '').split('/');
  return { screen: isScreen(screen) ? screen : 'dashboard', arg: arg ? decodeURIComponent(arg) : null };
}

export class Nav {
  screen = $state<ScreenId>('dashboard');
  /** The account whose detail panel should be open (Accounts). */
  account = $state<string | null>(null);
  /** The margin call to select (Margin calls). */
  call = $state<number | null>(null);
  /** performance.now() when the current screen was asked for (0: the page load itself). */
  startedAt = 0;
  /** An action asked for from the palette, for the screen that carries it out (consumed there). */
  request = $state<{ action: ScreenAction; seq: number } | null>(null);
  #seq = 0;

  constructor() {
    const h = fromHash();
    this.screen = h.screen;
    if (h.screen === 'accounts' && h.arg) this.account = h.arg;
    if (h.screen === 'calls' && h.arg && /^\d+$/.test(h.arg)) this.call = Number(h.arg);
    window.addEventListener('hashchange', () => {
      const n = fromHash();
      if (n.screen !== this.screen) this.go(n.screen);
    });
  }

  go(screen: ScreenId): void {
    if (screen !== this.screen) this.startedAt = performance.now();
    this.screen = screen;
    this.#writeHash();
  }

  openAccount(id: string | null): void {
    this.account = id;
    this.go('accounts');
    this.#writeHash();
  }

  openCall(id: number | null): void {
    this.call = id;
    this.go('calls');
    this.#writeHash();
  }

  /** Go to a screen and ask it to do something (verify, pick a file ...). */
  ask(screen: ScreenId, action: ScreenAction): void {
    this.go(screen);
    this.request = { action, seq: ++this.#seq };
  }

  /** The screen takes the request if it is the one asked for. */
  take(action: ScreenAction): boolean {
    if (this.request?.action !== action) return false;
    this.request = null;
    return true;
  }

  #writeHash(): void {
    const arg = this.screen === 'accounts' && this.account ? `/${encodeURIComponent(this.account)}` : this.screen === 'calls' && this.call ? `/${this.call}` : '';
    const hash = `#/${this.screen}${arg}`;
    if (window.location.hash !== hash) window.history.replaceState(window.history.state, '', hash);
  }
}

export const nav = new Nav();
