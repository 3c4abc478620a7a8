// One ticking clock for every countdown on screen (deadlines, ages, elapsed time of a running cycle).
class Clock {
  /** The browser's time: for spans the console itself started (a cycle or stress run it is waiting on). */
  now = $state(Date.now());
  /** The server's clock less the browser's, as of the last answer that carried it. */
  #offset = $state(0);

  /**
   * The server's time, ticking with `now`: the server decides when a call is overdue, so the console counts to a
   * deadline on the same clock (a drill's clock, serve --now, a PC whose clock is off).
   */
  get server(): number {
    return this.now + this.#offset;
  }

  /** Takes the server's clock from a time the server just sent. */
  sync(serverNow: string | undefined): void {
    const t = serverNow ? Date.parse(serverNow) : Number.NaN;
    if (!Number.isNaN(t)) this.#offset = t - Date.now();
  }

  #timer: ReturnType<typeof setInterval> | null = null;
  #users = 0;

  /** Starts ticking while at least one component uses it; returns the release function. */
  use(): () => void {
    this.#users++;
    if (!this.#timer) {
      this.now = Date.now();
      this.#timer = setInterval(() => (this.now = Date.now()), 1000);
    }
    return () => {
      this.#users--;
      if (this.#users === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = null;
      }
    };
  }
}

export const clock = new Clock();
