// One ticking clock for every countdown on screen (deadlines, ages, elapsed time of a running cycle).
class Clock {
  now = $state(Date.now());
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
