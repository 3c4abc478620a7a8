// A batch of several instants (a feed's queue taken as one prices.tick) is decided before the live book catches up with
// any of it (commands/priceTick.ts, decideRun). It must call exactly as the same instants sent one command each, and
// each call must be for the amount the engine's exact evaluation asks at the marks as of its instant (the oracle is
// evaluateAccounts over the whole book, not the run's screen); after it, every account that needs a call has one, the
// resident book equals a fresh evaluation, and the journal replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../main/commands/dispatch.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { priceOfTicks } from '../main/commands/priceTick.ts';
import { readBook } from '../main/ledger/bookRepo.ts';
import { accountsWithCalls, callEvents } from '../main/ledger/callRepo.ts';
import { evaluateAccounts } from '../main/engine/evaluate.ts';
import { formatAmount } from '../shared/units.ts';
import { ResidentBook } from '../main/resident/residentBook.ts';
import type { CommandContext } from '../main/commands/context.ts';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-tick-run-', 700);
const T0 = Date.parse(DEMO_AS_OF);
const NOW = new Date(T0 + 3_600_000);
const iso = (ms: number) => new Date(ms).toISOString();

function consoleOn(db: Ledger) {
  const resident = new ResidentBook(db);
  const ctx = (): CommandContext => ({ db, actor: { name: 'operator', role: 'operator' }, now: () => NOW, resident });
  dispatch({ ...ctx(), now: () => new Date(T0) }, 'cycle.run', { at: DEMO_AS_OF });
  return ctx;
}

/**
 * Fourteen instants a minute apart over the most held futures: each takes one 8% lower, every third the others 5%
 * lower with it (one instant, several marks), and two take an instrument back up 8%, so the run goes both ways.
 */
function run(db: Ledger) {
  const book = readBook(db, DEMO_AS_OF).book;
  const held = new Map<string, number>();
  for (const p of book.positions) held.set(p.instrument, (held.get(p.instrument) ?? 0) + 1);
  const futures = book.instruments
    .filter((x) => x.kind !== 'option')
    .sort((x, y) => (held.get(y.id) ?? 0) - (held.get(x.id) ?? 0))
    .slice(0, 8);
  const marks = new Map(book.marks);
  const instants: { time: string; moves: { instrument: string; price: string; ticks: bigint }[] }[] = [];
  const move = (x: (typeof futures)[number], pct: bigint) => {
    const next = (marks.get(x.id)! * pct) / 100n;
    marks.set(x.id, next);
    return { instrument: x.id, price: priceOfTicks(x.tick, next), ticks: next };
  };
  for (let k = 0; k < 14; k++) {
    const x = futures[k % futures.length]!;
    const moves = [move(x, k === 8 || k === 11 ? 108n : 92n)];
    // Every third instant moves the whole market down with it.
    if (k % 3 === 1) for (const y of futures) if (y !== x) moves.push(move(y, 95n));
    instants.push({ time: iso(T0 + (k + 1) * 60_000), moves });
  }
  return { book, instants };
}

const wire = (instants: ReturnType<typeof run>['instants']) => instants.flatMap((i) => i.moves.map((m) => ({ instrument: m.instrument, price: m.price, time: i.time })));

test('a run of instants in one prices.tick calls as its instants one by one would, each at the exact amount as of its instant', () => {
  const a = demoLedger();
  const b = demoLedger();
  const ctxA = consoleOn(a);
  const ctxB = consoleOn(b);
  const { book, instants } = run(a);
  const before = new Set(accountsWithCalls(a));
  assert.deepEqual(before, new Set(accountsWithCalls(b)));

  const whole = dispatch(ctxA(), 'prices.tick', { marks: wire(instants) });
  assert.equal(whole.stored, instants.reduce((n, i) => n + i.moves.length, 0));
  const oneByOne = instants.flatMap((i) => dispatch(ctxB(), 'prices.tick', { marks: wire([i]) }).calls);
  assert.ok(whole.calls.length >= 5, `the run calls accounts (${whole.calls.length}; ${before.size} had calls)`);
  assert.deepEqual(whole.calls, oneByOne, 'the same calls, in the same order, with the same ids');

  // The oracle: each call's amount is what the exact evaluation of the whole book asks at the marks as of its instant.
  const marks = new Map(book.marks);
  const asOf = new Map<string, Map<string, bigint>>();
  for (const i of instants) {
    for (const m of i.moves) marks.set(m.instrument, m.ticks);
    asOf.set(i.time, new Map(marks));
  }
  const need = new Map<string, Map<string, bigint>>();
  const needAt = (time: string) => {
    let n = need.get(time);
    if (!n) {
      n = new Map();
      for (const r of evaluateAccounts({ ...book, marks: asOf.get(time)! })) if (r.callAmount !== null) n.set(r.id, r.callAmount);
      need.set(time, n);
    }
    return n;
  };
  const times = new Set<string>();
  for (const c of whole.calls) {
    const note = callEvents(a, c.callId)[0]!.note!;
    const time = /at (\S+)$/.exec(note)![1]!;
    times.add(time);
    assert.equal(c.amount, formatAmount(needAt(time).get(c.account) ?? -1n), `${c.account} ${note}`);
  }
  assert.ok(times.size >= 3, `calls at several instants (${times.size})`);
  // Every account that needs a call once the run is over has one.
  const have = new Set(accountsWithCalls(a));
  for (const id of needAt(instants[instants.length - 1]!.time).keys()) assert.ok(have.has(id), `${id} needs a call and has none`);

  assert.equal(dispatch(ctxA(), 'resident.check', {}).ok, true, 'the live book caught up with the run');
  const deep = dispatch(ctxA(), 'journal.verifyDeep', {});
  assert.equal(deep.ok, true, deep.message);
  a.close();
  b.close();
});

test('a run with one mark behind its instrument\'s latest is refused whole, naming it; the way around: the run without it is taken', () => {
  const db = demoLedger();
  const ctx = consoleOn(db);
  const { instants } = run(db);
  const marks = wire(instants);
  // The fourth mark goes back before the first one of the same instrument... placed after it in the run.
  const first = marks[0]!;
  const bad = { ...first, time: iso(T0 + 30_000) };
  const count = () => Number(db.prepare('SELECT count(*) FROM prices').pluck().get());
  const calls = accountsWithCalls(db).length;
  const prices = count();
  assert.throws(() => dispatch(ctx(), 'prices.tick', { marks: [...marks.slice(0, 3), bad, ...marks.slice(3)] }), /mark 4 \(.*\): its time .* is before .*'s latest mark/);
  assert.equal(count(), prices, 'no mark of the refused run stored');
  assert.equal(accountsWithCalls(db).length, calls, 'no call of the refused run issued');
  assert.equal(dispatch(ctx(), 'resident.check', {}).ok, true);
  const r = dispatch(ctx(), 'prices.tick', { marks });
  assert.equal(r.stored, marks.length);
  assert.ok(r.calls.length > 0);
  assert.equal(dispatch(ctx(), 'resident.check', {}).ok, true);
  db.close();
});
