// A long command written as steps: a generator that yields where it may pause (between phases, every few thousand
// accounts) and returns its output. Drained at once (the CLI, a replay, the scheduler) it is an ordinary synchronous
// command; the console runs it a slice at a time inside its one transaction (dispatch.ts dispatchSliced), so that
// other requests are answered between slices and a cancel is heard within one.
export type Steps<T> = Generator<void, T, void>;

export function drain<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
