// The feed door on a real ledger: marks that arrive while a batch is being committed (here: written in one turn) go
// to prices.tick as one command, one journal entry, each mark stored at its own time and in the order it came; the
// clock rule still refuses a mark behind its instrument's latest one, alone, and the journal replays.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../commands/dispatch.ts';
import { DEMO_AS_OF } from '../commands/initLedger.ts';
import { priceOfTicks } from '../commands/priceTick.ts';
import { FeedHub } from './hub.ts';
import { FakeTimers } from './timers.ts';
import type { Actor } from '../commands/context.ts';
import type { TickOutput } from '../../shared/contract.ts';
import { ResidentBook } from '../resident/residentBook.ts';
import { readBook } from '../ledger/bookRepo.ts';
import { demoLedgers } from '../../test/support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-feed-coalesce-', 400);
const operator: Actor = { name: 'operator', role: 'operator' };
const T0 = Date.parse(DEMO_AS_OF);
const iso = (ms: number) => new Date(ms).toISOString();

test('marks queued while a batch commits go as one prices.tick, each at its own time and in order; a mark behind its latest is refused alone', () => {
  const db = demoLedger();
  dispatch({ db, actor: operator, now: () => new Date(T0) }, 'cycle.run', {});
  const book = readBook(db, DEMO_AS_OF).book;
  const btc = book.instruments.find((x) => x.id === 'BTC-PERP')!;
  const eth = book.instruments.find((x) => x.id === 'ETH-PERP')!;
  const price = (x: typeof btc, pct: bigint) => priceOfTicks(x.tick, (book.marks.get(x.id)! * pct) / 100n);
  const timers = new FakeTimers();
  const resident = new ResidentBook(db);
  const now = () => new Date(T0 + 60 * 60_000);
  const commands: { marks: number; calls: number }[] = [];
  const log: string[] = [];
  const hub = new FeedHub({
    tick: (actor, marks) => {
      const r = dispatch({ db, actor, now, resident }, 'prices.tick', { marks }) as TickOutput;
      commands.push({ marks: marks.length, calls: r.calls.length });
    },
    now,
    timers,
    staleSeconds: () => 30,
    emit: () => {},
    log: (l) => log.push(l),
  });
  const journal = () => Number(db.prepare('SELECT count(*) FROM journal').pluck().get());
  const before = journal();
  const input = hub.attach('stdin', 'stdin', operator);
  const line = (x: typeof btc, p: string, ms: number) => `${JSON.stringify({ instrument: x.id, price: p, time: iso(ms) })}\n`;
  // Five marks in one read: BTC twice, each at its own time, and an ETH mark behind ETH's own earlier one.
  input.write(
    line(btc, price(btc, 97n), T0 + 60_000) +
      line(eth, price(eth, 96n), T0 + 120_000) +
      line(btc, price(btc, 94n), T0 + 180_000) +
      line(eth, price(eth, 95n), T0 + 90_000) +
      line(eth, price(eth, 93n), T0 + 240_000),
  );
  assert.equal(commands.length, 0, 'nothing inside the turn that read them');
  timers.advance(0);
  assert.equal(log.length, 1, log.join('\n'));
  assert.match(log[0]!, /stdin line 4: .*before ETH-PERP's latest mark/);
  assert.equal(commands.length, 1, 'the four good marks are one command');
  assert.equal(commands[0]!.marks, 4);
  assert.equal(journal(), before + 1, 'one journal entry for the batch');
  const entry = JSON.parse(db.prepare("SELECT payload FROM journal WHERE command = 'prices.tick' ORDER BY seq DESC LIMIT 1").pluck().get() as string) as {
    marks: { instrument: string; time: string }[];
  };
  assert.deepEqual(
    entry.marks.map((m) => `${m.instrument} ${m.time}`),
    [`BTC-PERP ${iso(T0 + 60_000)}`, `ETH-PERP ${iso(T0 + 120_000)}`, `BTC-PERP ${iso(T0 + 180_000)}`, `ETH-PERP ${iso(T0 + 240_000)}`],
    'in arrival order, each with its own time',
  );
  const stored = (id: string) => db.prepare("SELECT at FROM prices WHERE instrument_id = ? AND source = 'tick' ORDER BY at").pluck().all(id);
  assert.deepEqual(stored('BTC-PERP'), [iso(T0 + 60_000), iso(T0 + 180_000)]);
  assert.deepEqual(stored('ETH-PERP'), [iso(T0 + 120_000), iso(T0 + 240_000)], 'the refused mark is not stored');

  // A mark that arrives after that batch committed is a command of its own, at the next turn.
  input.write(line(btc, price(btc, 92n), T0 + 300_000));
  timers.advance(0);
  assert.equal(commands.length, 2);
  assert.equal(journal(), before + 2);
  assert.ok(commands.reduce((n, c) => n + c.calls, 0) > 0, 'the falling marks called accounts');
  const deep = dispatch({ db, actor: { name: 'admin', role: 'admin' }, now }, 'journal.verifyDeep', {});
  assert.equal(deep.ok, true, deep.message);
  input.close();
  hub.stop();
  db.close();
});
