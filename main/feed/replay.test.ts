import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { expandDaily, pathFromPricesCsv, readDailyBars } from './replay.ts';
import { InputError } from '../../shared/errors.ts';

const BTC = fs.readFileSync(new URL('../../../shared/data/btc-usd-daily.csv', import.meta.url), 'utf8');

test('daily closes expand into a seeded Brownian bridge: pinned at every close, on the tick, the same for the same seed', () => {
  const bars = readDailyBars(BTC, 'btc-usd-daily.csv');
  const o = { instrument: 'BTC-PERP', from: '2020-03-10', to: '2020-03-13', stepsPerDay: 24, seed: 7, tick: '0.5', scaleTo: '90000' };
  const a = expandDaily(bars, o);
  assert.deepEqual(expandDaily(bars, o), a, 'deterministic');
  assert.notDeepEqual(expandDaily(bars, { ...o, seed: 8 }).map((p) => p.price), a.map((p) => p.price), 'another seed, another path');
  assert.equal(a.length, 3 * 24 + 1);
  assert.equal(a[0]!.price, '90000');
  assert.equal(a[0]!.at, Date.parse('2020-03-11T00:00:00Z'), 'a close at the end of its day');
  // The closes, rescaled by 90000 / close(03-10) and rounded to the tick.
  const closes = bars.filter((b) => b.date >= '2020-03-10' && b.date <= '2020-03-13');
  const f = closes[0]!.close;
  for (let d = 1; d < closes.length; d++) {
    const want = closes[d]!.close.mul(90000).div(f).div('0.5').toDecimalPlaces(0).mul('0.5').toFixed();
    assert.equal(a[d * 24]!.price, want, `close of ${closes[d]!.date}`);
  }
  for (const p of a) assert.match(p.price, /^\d+(\.5)?$/);
  for (let i = 1; i < a.length; i++) assert.equal(a[i]!.at - a[i - 1]!.at, 3_600_000);
  // The crash day really falls: 2020-03-12 closed 39% under 03-11.
  assert.ok(Number(a[2 * 24]!.price) < Number(a[24]!.price) * 0.7);
});

test('weekend gaps are bridged over their length; a window without two closes is refused', () => {
  const bars = readDailyBars('Date,Open,High,Low,Close\n2020-03-06,1,11,9,10\n2020-03-09,1,12,8,11\n', 'ndx.csv');
  const pts = expandDaily(bars, { instrument: 'NDX-FUT', from: '2020-03-01', to: '2020-03-31', stepsPerDay: 4, tick: '0.01' });
  assert.equal(pts.length, 3 * 4 + 1);
  assert.equal(pts.at(-1)!.price, '11');
  assert.throws(() => expandDaily(bars, { instrument: 'NDX-FUT', from: '2020-03-09', to: '2020-03-31', tick: '0.01' }), /fewer than two daily closes/);
});

test('the prices CSV as a path, in time order; a bad row names file, row and column', () => {
  const p = pathFromPricesCsv('instrument,at,mark\nB,2026-03-12T16:00:00Z,2\nA,2026-03-12T15:00:00Z,1\n', 'p.csv');
  assert.deepEqual(p.points.map((x) => x.instrument), ['A', 'B']);
  assert.equal(p.label, 'p.csv (2 marks)');
  const bad = (text: string, re: RegExp, where: object) => {
    assert.throws(() => pathFromPricesCsv(text, 'p.csv'), (e: unknown) => e instanceof InputError && re.test(e.message) && Object.entries(where).every(([k, v]) => (e.where as Record<string, unknown>)[k] === v));
  };
  bad('instrument,at,mark\nA,2026-03-12,1\n', /p\.csv row 2: at:/, { row: 2, column: 'at' });
  bad('instrument,at,mark\nA,2026-03-12T15:00:00Z,1\nA,2026-03-12T15:00:00Z,1e5\n', /row 3: mark: expected a positive decimal/, { row: 3, column: 'mark' });
  bad('instrument,at\nA,2026-03-12T15:00:00Z\n', /no "mark" column/, { column: 'mark' });
  bad('instrument,at,mark\n', /no prices/, { file: 'p.csv' });
});
