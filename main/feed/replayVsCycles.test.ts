// A replay of a price path issues the same margin calls as margin cycles run at the same times on the same prices:
// on one copy of the demo book the path goes through the feed (prices.tick, marks keeping their times, each batch on
// the market's clock); on another each mark is imported and a cycle runs as of its time. The calls issued (account,
// amount, time, deadline) are the same, call for call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dispatch } from '../commands/dispatch.ts';
import { DEMO_AS_OF } from '../commands/initLedger.ts';
import { FeedHub } from './hub.ts';
import { FakeTimers } from './timers.ts';
import type { PathPoint } from './replay.ts';
import type { Ledger } from '../ledger/db.ts';
import type { Actor } from '../commands/context.ts';
import type { MarginCall, PriceSeries } from '../../shared/contract.ts';
import { ResidentBook } from '../resident/residentBook.ts';
import { demoLedgers } from '../../test/support/ledger.ts';

const demoLedger = demoLedgers('riskdesk-replay-cycles-', 600);
const operator: Actor = { name: 'operator', role: 'operator' };
const T0 = Date.parse(DEMO_AS_OF);

/** The issued event of every call made after the first cycle, as (account, amount, at, deadline). */
function issuedSince(db: Ledger, firstCall: number, at: Date): string[] {
  const calls = dispatch({ db, actor: operator, now: () => at }, 'calls.list', {}) as MarginCall[];
  return calls
    .filter((c) => c.id > firstCall)
    .map((c) => {
      const full = dispatch({ db, actor: operator, now: () => at }, 'calls.get', { id: c.id }) as MarginCall;
      const issued = full.history!.find((e) => e.kind === 'issued')!;
      return `${c.account} ${issued.amount} ${issued.at}`;
    })
    .sort();
}

function start(db: Ledger): number {
  dispatch({ db, actor: operator, now: () => new Date(T0) }, 'cycle.run', {});
  const calls = dispatch({ db, actor: operator, now: () => new Date(T0) }, 'calls.list', {}) as MarginCall[];
  return Math.max(0, ...calls.map((c) => c.id));
}

test('a replayed path issues the same calls as cycles run at the times of its marks', () => {
  const a = demoLedger();
  const b = demoLedger();
  const firstA = start(a);
  const firstB = start(b);
  assert.equal(firstA, firstB);
  // A falling BTC and ETH, 4% a step, a step a minute, ETH half a minute after BTC: each mark has a time of its own,
  // so the cycle at that time sees exactly the marks the tick saw.
  const last = (dispatch({ db: a, actor: operator, now: () => new Date(T0) }, 'prices.history', { instruments: ['BTC-PERP', 'ETH-PERP'], limit: 1 }) as PriceSeries[]).map(
    (s) => [s.instrument, Number(s.points[0]!.mark)] as const,
  );
  const points: PathPoint[] = [];
  for (let k = 1; k <= 12; k++) {
    last.forEach(([instrument, p0], j) => points.push({ at: T0 + k * 60_000 + j * 30_000, instrument, price: (Math.round(p0 * 0.96 ** k * 10) / 10).toFixed(1) }));
  }

  // A: through the feed, at 600x on a fake clock.
  const timers = new FakeTimers();
  const resident = new ResidentBook(a);
  const refused: string[] = [];
  const hub = new FeedHub({
    tick: (actor, marks, clock) => dispatch({ db: a, actor, now: () => clock!, resident }, 'prices.tick', { marks }),
    now: () => new Date(T0 + 14 * 60_000),
    timers,
    staleSeconds: () => 30,
    emit: () => {},
    log: (l) => refused.push(l),
  });
  hub.startReplay(operator, { points, label: 'falling' }, 600, true);
  timers.advance(13 * 60_000);
  assert.deepEqual(refused, []);
  assert.equal(hub.replayStatus()!.state, 'done');

  // B: each mark imported, then a cycle as of its time.
  for (const p of points) {
    const at = new Date(p.at);
    const text = `instrument,at,mark\n${p.instrument},${at.toISOString()},${p.price}\n`;
    dispatch({ db: b, actor: operator, now: () => at }, 'import.csv', { kind: 'prices', file: 'mark.csv', text });
    dispatch({ db: b, actor: operator, now: () => at }, 'cycle.run', {});
  }

  const end = new Date(T0 + 14 * 60_000);
  const byReplay = issuedSince(a, firstA, end);
  const byCycles = issuedSince(b, firstB, end);
  assert.ok(byReplay.length >= 5, `the path calls accounts (${byReplay.length})`);
  assert.ok(new Set(byReplay.map((s) => s.split(' ')[2])).size >= 2, 'at more than one time');
  assert.deepEqual(byReplay, byCycles);
  a.close();
  b.close();
});
