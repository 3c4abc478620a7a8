// `riskdesk bench --json` as a process, on a small book: the shape the issue asks for, figures that are measured
// (positive, consistent with each other), and the engine checked against the decimal.js oracle in the same run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { riskdeskProcess } from './support/cli.ts';
import type { BenchReport } from '../bench/bench.ts';

test('riskdesk bench --json reports the revaluation, tick, persist and planning figures of one run', { timeout: 120_000 }, () => {
  const r = riskdeskProcess(['bench', '--json', '--accounts', '1500', '--rounds', '3']);
  assert.equal(r.code, 0, r.describe());
  const j = r.json<BenchReport>();
  assert.equal(j.book.accounts, 1500);
  assert.ok(j.book.positions > 10_000, 'about ten positions an account');
  for (const ms of [j.revaluation.engineMs, j.revaluation.decimalJsMs, j.revaluation.float64Ms, j.persistCycleMs, j.liquidationPlanning.planMs, j.machine.walFrameWriteUs]) {
    assert.ok(Number.isFinite(ms) && ms > 0, `a measured time, got ${ms}`);
  }
  assert.ok(j.revaluation.decimalJsMs > j.revaluation.engineMs, 'decimal.js is slower than the engine');
  assert.equal(j.priceToCall.ticks, 600);
  assert.ok(j.priceToCall.ticksWithCalls > 0, 'the sliding market issued calls');
  assert.ok(j.priceToCall.p50Ms > 0 && j.priceToCall.p99Ms >= j.priceToCall.p50Ms);
  // The breakdown by calls per tick covers exactly the ticks that issued calls.
  assert.equal(j.priceToCall.byCalls.reduce((s, g) => s + g.ticks, 0), j.priceToCall.ticksWithCalls);
  // The slowest ticks are real ticks that issued calls, slowest first; with at most 300 such ticks the p99 is one of
  // the three (the third slowest from 200 on).
  const slow = j.priceToCall.slowest;
  assert.equal(slow.length, Math.min(3, j.priceToCall.ticksWithCalls));
  assert.ok(slow.every((x, k) => x.calls >= 1 && (k === 0 || x.ms <= slow[k - 1]!.ms)), JSON.stringify(slow));
  if (j.priceToCall.ticksWithCalls <= 300) assert.ok(slow.some((x) => x.ms === j.priceToCall.p99Ms), JSON.stringify(slow));
  // The idle-gap run replays the same market on a copy of the same ledger: the same ticks issue calls.
  const idle = j.priceToCall.afterIdle;
  assert.ok(idle.gapMs > 0 && idle.p50Ms > 0 && idle.p99Ms >= idle.p50Ms);
  assert.equal(idle.ticksWithCalls, j.priceToCall.ticksWithCalls);
  assert.ok(j.liquidationPlanning.accountsInTrouble > 0 && j.liquidationPlanning.orders >= j.liquidationPlanning.accountsInTrouble);
  assert.equal(j.checks.engineAgreesWithDecimalJs, true);
  // Issue 15: ticks timed through dispatch (to the commit, and whole), paced ticks, and the console run as a desk runs it.
  assert.ok(j.priceToCall.wholeTickP50Ms > 0 && j.priceToCall.wholeTickP99Ms >= j.priceToCall.wholeTickP50Ms);
  assert.equal(j.sustained.perSecond, 1000);
  assert.equal(j.sustained.ticks, 2000);
  assert.ok(j.sustained.p50Ms > 0 && j.sustained.p99Ms >= j.sustained.p50Ms);
  // Through the feed door: no mark refused, and never more commands than marks (what queued went together).
  assert.equal(j.sustained.refused, 0);
  assert.ok(j.sustained.commands >= 1 && j.sustained.commands <= j.sustained.ticks, `${j.sustained.commands} commands`);
  const app = j.app;
  assert.equal(app.cycles, 12);
  assert.ok(app.cycleP50Ms > 0 && app.cycleP99Ms >= app.cycleP50Ms, JSON.stringify(app));
  assert.ok(app.coldCliInCommandMs > 0 && app.coldCliWallMs > app.coldCliInCommandMs, 'the process takes longer than the command inside it');
  assert.ok(app.rssAfterCyclesMb > 50, 'the console process holds the book');
  assert.ok(app.dashboardRequests > 0 && app.dashboardLongestWaitMs > 0);
  assert.ok(['cancelled', 'finished'].includes(app.cancel.outcome) && app.cancel.tookMs > 0 && app.cancel.afterMs >= 20, JSON.stringify(app.cancel));
});
