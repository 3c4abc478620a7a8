// Black-76 marks in the ledger (issue 17, methodology §2): an option held with no imported price is marked by the
// model from its underlying instrument's mark, its volatility (its strike's where quoted) and the time to expiry,
// rounded half-even to its tick; the cycle, the account detail, a figure's trace and the price-tick path all use
// it, and an imported price always wins. Checked against Black-76 written out independently (support/black76Oracle).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import type { Database } from 'better-sqlite3';
import { demoLedgers } from './support/ledger.ts';
import { oracleBlack76, oracleTicks } from './support/black76Oracle.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { readCycleBook, LATEST } from '../main/ledger/bookRepo.ts';
import { ResidentBook } from '../main/resident/residentBook.ts';
import type { AccountDetail } from '../shared/contract.ts';
import type { FigureTrace } from '../shared/contractExplain.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';

const demoLedger = demoLedgers('riskdesk-model-', 20);
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const operator: Actor = { name: 'operator', role: 'operator' };
const AT = '2026-03-12T20:00:00.000Z';
const EXPIRY = '2026-12-18T14:30:00.000Z';
const YEARS = new Decimal(Date.parse(EXPIRY) - Date.parse(AT)).div(365 * 86_400_000);

function run<T = unknown>(db: Database, actor: Actor, channel: string, input: unknown, now = DEMO_AS_OF, resident?: ResidentBook): T {
  return dispatch({ db, actor, now: () => new Date(now), ...(resident ? { resident } : {}) }, channel as never, input as never) as T;
}
const csv = (db: Database, actor: Actor, kind: string, text: string) => run(db, actor, 'import.csv', { kind, file: `${kind}.csv`, text });

/**
 * ES-DEC (tick 0.25, priced) with a tiered 5100 call (its strike quoted at 0.25) and a portfolio 4900 put (taking
 * ES-DEC's own 0.2), neither with a price; MV1 holds the call long and the put short, beside cash.
 */
function book(db: Database): void {
  const member = db.prepare('SELECT id FROM members ORDER BY id LIMIT 1').pluck().get() as string;
  csv(
    db,
    supervisor,
    'instruments',
    'id,kind,underlying,multiplier,lot,tick,margin,expiry,option_right,strike,underlying_instrument,scan_range,vol_shift\n' +
      `ES-DEC,future,ES,50,1,0.25,portfolio,${EXPIRY},,,,1000,\n` +
      `ES-DEC-5100-C,option,ES,50,1,0.05,tiered,${EXPIRY},call,5100,ES-DEC,,\n` +
      `ES-DEC-4900-P,option,ES,50,1,0.05,portfolio,${EXPIRY},put,4900,ES-DEC,,0.04\n`,
  );
  csv(db, supervisor, 'tiers', 'instrument,floor,mmr,imr\nES-DEC-5100-C,0,0.1,0.15\n');
  csv(db, operator, 'prices', `instrument,at,mark,implied_vol\nES-DEC,${AT},5000,0.2\n`);
  csv(db, operator, 'volatilities', `underlying_instrument,strike,at,implied_vol,source\nES-DEC,5100,${AT},0.25,desk\n`);
  csv(db, supervisor, 'accounts', `id,member,kind,mode\nMV1,${member},client,cross\n`);
  csv(db, operator, 'collateral', 'account,asset,quantity\nMV1,USD,200000\n');
  csv(db, operator, 'positions', 'account,instrument,quantity,entry_price\nMV1,ES-DEC-5100-C,4,300\nMV1,ES-DEC-4900-P,-3,250\n');
}

/** The oracle's mark in ticks of 0.05, checked far enough from a half tick that the two computations cannot round apart. */
function expected(F: string, K: string, sigma: string, right: 'call' | 'put', years: Decimal = YEARS): bigint {
  const { ticks, margin } = oracleTicks(oracleBlack76(F, K, years, sigma, '0', right), '0.05');
  assert.ok(margin.gt('1e-6'), `the case sits ${margin} ticks from a rounding boundary: pick another`);
  return ticks;
}

test('the independent Black-76 reproduces Hull\'s worked example (put on a future: F = K = 20, r = 9%, T = 4 months, sigma = 25%: 1.12)', () => {
  const p = oracleBlack76('20', '20', new Decimal(4).div(12), '0.25', '0.09', 'put');
  assert.equal(p.toDecimalPlaces(2).toFixed(2), '1.12');
});

test('an option with no price is marked by Black-76 in the cycle book, the account detail and a trace; an imported price wins', () => {
  const db = demoLedger();
  book(db);
  const call = expected('5000', '5100', '0.25', 'call');
  const put = expected('5000', '4900', '0.2', 'put');

  // The cycle runs (it used to refuse: no price for the option) on the model's marks.
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const { book: b } = readCycleBook(db, AT);
  assert.equal(b.marks.get('ES-DEC-5100-C'), call);
  assert.equal(b.marks.get('ES-DEC-4900-P'), put);
  const m = b.modelMarks!.get('ES-DEC-5100-C')!;
  assert.deepEqual([m.forward, m.strike, m.vol, m.volFrom, m.rate, m.asOf], ['5000', '5100', '0.25', 'strike', '0', AT]);
  assert.equal(b.modelMarks!.get('ES-DEC-4900-P')!.volFrom, 'underlying');

  // The desk sees the mark and where it came from; the equity trace names the model and its inputs.
  // The detail values the book as of the latest cycle (DEMO_AS_OF, an hour later): T is counted from there.
  const detail = run<AccountDetail>(db, operator, 'accounts.detail', { id: 'MV1' });
  const row = detail.positions.find((p) => p.instrument === 'ES-DEC-5100-C')!;
  const atCycle = expected('5000', '5100', '0.25', 'call', new Decimal(Date.parse(EXPIRY) - Date.parse(DEMO_AS_OF)).div(365 * 86_400_000));
  assert.equal(row.mark, new Decimal(atCycle.toString()).mul('0.05').toFixed());
  assert.match(row.markSource!, /^model: Black-76 \(F 5000 = ES-DEC mark, K 5100, T 0\.7\d+ y from .* sigma 0\.25 \(its strike's quote\), r 0\)/);
  const trace = run<FigureTrace>(db, operator, 'explain.figure', { account: 'MV1', figure: 'equity' });
  const input = trace.inputs.find((i) => i.name === 'ES-DEC-4900-P mark')!;
  assert.match(input.source, /^model: Black-76 .*sigma 0\.2 \(ES-DEC's\)/);

  // A price of its own, however far from the model, wins from then on.
  csv(db, operator, 'prices', `instrument,at,mark\nES-DEC-5100-C,${AT},7.5\n`);
  assert.equal(readCycleBook(db, AT).book.marks.get('ES-DEC-5100-C'), 150n);
  const after = run<AccountDetail>(db, operator, 'accounts.detail', { id: 'MV1' });
  assert.equal(after.positions.find((p) => p.instrument === 'ES-DEC-5100-C')!.markSource, null);
  assert.equal(deepVerify(db).ok, true);
});

test('a price tick of the underlying moves the options the model marks on it, in the resident book and for a fresh read alike', () => {
  const db = demoLedger();
  book(db);
  const resident = new ResidentBook(db);
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF }, DEMO_AS_OF, resident);
  const st = resident.state()!;
  assert.equal(st.book.marks.get('ES-DEC-5100-C'), expected('5000', '5100', '0.25', 'call', new Decimal(Date.parse(EXPIRY) - Date.parse(DEMO_AS_OF)).div(365 * 86_400_000)));
  const TICK = '2026-03-12T21:30:00.000Z';
  run(db, operator, 'prices.tick', { marks: [{ instrument: 'ES-DEC', price: '4800', time: TICK }] }, '2026-03-12T22:00:00.000Z', resident);
  const years = new Decimal(Date.parse(EXPIRY) - Date.parse(TICK)).div(365 * 86_400_000);
  const call = expected('4800', '5100', '0.25', 'call', years);
  const put = expected('4800', '4900', '0.2', 'put', years);
  const live = resident.state()!;
  assert.equal(live.book.marks.get('ES-DEC-5100-C'), call);
  assert.equal(live.book.marks.get('ES-DEC-4900-P'), put);
  assert.equal(live.book.modelMarks!.get('ES-DEC-4900-P')!.forward, '4800');
  // Read afresh as of the latest prices, the book values them the same way.
  const fresh = readCycleBook(db, LATEST).book;
  assert.equal(fresh.marks.get('ES-DEC-5100-C'), call);
  assert.equal(fresh.marks.get('ES-DEC-4900-P'), put);
  // A cycle on the resident book after the tick values the options as a cold cycle on a fresh read does: the same
  // equity, MM and IM (the resident book is valued as of the cycle's time: risk arrays and model marks alike).
  const NOW = '2026-03-12T22:00:00.000Z';
  const warm = run<{ totals: { equity: string; mm: string; im: string } }>(db, operator, 'cycle.run', { at: TICK }, NOW, resident);
  // The journal replays the tick and the cycles to what they recorded (the replay keeps its own resident book).
  const v = deepVerify(db);
  assert.equal(v.ok, true, JSON.stringify(v).slice(0, 2000));
  const cold = run<{ totals: { equity: string; mm: string; im: string } }>(db, operator, 'cycle.run', { at: TICK }, NOW);
  assert.deepEqual(cold.totals, warm.totals);
});

test('a held option the model cannot price (no volatility anywhere) still stops the cycle, saying why', () => {
  const db = demoLedger();
  const member = db.prepare('SELECT id FROM members ORDER BY id LIMIT 1').pluck().get() as string;
  csv(
    db,
    supervisor,
    'instruments',
    'id,kind,underlying,multiplier,lot,tick,margin,expiry,option_right,strike,underlying_instrument\n' +
      `NQ-DEC,future,NQ,20,1,0.25,tiered,${EXPIRY},,,\n` +
      `NQ-DEC-20000-C,option,NQ,20,1,0.05,tiered,${EXPIRY},call,20000,NQ-DEC\n`,
  );
  csv(db, supervisor, 'tiers', 'instrument,floor,mmr,imr\nNQ-DEC,0,0.05,0.1\nNQ-DEC-20000-C,0,0.1,0.15\n');
  csv(db, operator, 'prices', `instrument,at,mark\nNQ-DEC,${AT},19000\n`);
  csv(db, supervisor, 'accounts', `id,member,kind,mode\nMV2,${member},client,cross\n`);
  csv(db, operator, 'positions', 'account,instrument,quantity,entry_price\nMV2,NQ-DEC-20000-C,1,100\n');
  assert.throws(() => run(db, operator, 'cycle.run', { at: DEMO_AS_OF }), /no price for instrument NQ-DEC-20000-C .*Black-76 cannot mark it: no implied volatility/);
});
