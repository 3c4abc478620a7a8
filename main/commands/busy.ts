// Another process (a CLI import, a second console) holding the ledger's write lock. SQLite's own wait blocks the
// thread it runs on, so each attempt waits only briefly there, and the waits between attempts are timers: the console's
// event loop keeps serving everyone else, and after a bounded time the caller hears that the ledger is busy and how
// often it was tried, never "internal error". A command is one transaction, so a busy attempt changed nothing and
// trying it again is the same as the desk asking again.
import { failureOf, busyAfter } from '../ledger/failures.ts';

export interface BusyPolicy {
  /** Attempts after the first. */
  retries: number;
  /** The pause between attempts (a timer: the event loop is free). */
  pauseMs: number;
  /** SQLite's own wait inside one attempt (blocks the thread). */
  waitMs: number;
}

/** About ten seconds in all, the event loop never held for more than a tenth of a second at a time. */
export const BUSY_POLICY: BusyPolicy = { retries: 40, pauseMs: 150, waitMs: 100 };

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `attempt` again while the ledger is busy; then the clear refusal saying how many times it was tried. */
export async function retryWhileBusy<T>(attempt: () => Promise<T>, policy: BusyPolicy = BUSY_POLICY): Promise<T> {
  const started = Date.now();
  for (let retries = 0; ; retries++) {
    try {
      return await attempt();
    } catch (e) {
      if (failureOf(e)?.kind !== 'ledger_busy') throw e;
      if (retries >= policy.retries) throw busyAfter(retries, Date.now() - started);
      await pause(policy.pauseMs);
    }
  }
}
