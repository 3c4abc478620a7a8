// Portfolio (SPAN-style) margin through the ledger (issue 17): futures and options imported by CSV (instruments
// with scan range, vol shift and IM multiplier; implied vols on prices; risk arrays; spreads), margined by the
// cycle, with calls issued from the scan, and a bad file refused by name with the ledger unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database } from 'better-sqlite3';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { readBook, readInstruments } from '../main/ledger/bookRepo.ts';
import { evaluateAccounts } from '../main/engine/evaluate.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { InputError } from '../shared/errors.ts';
import { ResidentBook } from '../main/resident/residentBook.ts';
import type { WhatIfResult } from '../shared/contract.ts';
import type { AccountCommodities } from '../shared/contractPortfolio.ts';
import { parseUnits } from '../shared/units.ts';

const demoLedger = demoLedgers('riskdesk-portfolio-', 20);
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const AT = '2026-03-12T20:00:00Z';

function importer(db: Database) {
  return (kind: string, text: string) => dispatch({ db, actor: supervisor, now: () => new Date(DEMO_AS_OF) }, 'import.csv', { kind, file: `${kind}.csv`, text });
}

/** Two S&P-like futures books: ES with a call on it, NQ; a spread between them. */
function importPortfolioBook(db: Database): void {
  const run = importer(db);
  const member = db.prepare('SELECT id FROM members ORDER BY id LIMIT 1').pluck().get() as string;
  run(
    'instruments',
    'id,kind,underlying,multiplier,lot,tick,margin,expiry,option_right,strike,underlying_instrument,short_option_minimum,scan_range,vol_shift,im_multiplier\n' +
      'ES-DEC,future,ES,50,1,0.25,portfolio,2026-12-18T14:30:00Z,,,,,1000,,\n' +
      'ES-DEC-5000-C,option,ES,50,1,0.05,portfolio,2026-12-18T14:30:00Z,call,5000,ES-DEC,250,,0.04,1.1\n' +
      'NQ-DEC,future,NQ,20,1,0.25,portfolio,2026-12-18T14:30:00Z,,,,,400,,1.2\n',
  );
  run('prices', `instrument,at,mark,implied_vol\nES-DEC,${AT},5000,0.2\nES-DEC-5000-C,${AT},250,\nNQ-DEC,${AT},18000,\n`);
  run('spreads', 'spread,underlying,ratio,rate,priority\nES-NQ,ES,1,0.5,1\nES-NQ,NQ,2,0.5,1\n');
  run('accounts', `id,member,kind,mode\nPM1,${member},client,cross\nPM2,${member},client,cross\n`);
  run('collateral', 'account,asset,quantity\nPM1,USD,5000\nPM2,USD,100000\n');
  // PM1: long 10 ES, short 20 NQ (the spread's example, $9,000 MM) and short 2 calls.
  run('positions', 'account,instrument,quantity,entry_price\nPM1,ES-DEC,10,5000\nPM1,NQ-DEC,-20,18000\nPM1,ES-DEC-5000-C,-2,250\nPM2,ES-DEC,1,5000\n');
}

test('CSV: portfolio futures and options are imported with their parameters and margined by the cycle, calls from the scan', () => {
  const db = demoLedger();
  importPortfolioBook(db);
  const byId = new Map(readInstruments(db).map((x) => [x.id, x]));
  assert.deepEqual(byId.get('ES-DEC')!.portfolio, { scanRange: 1_000_000_000n, volShift: 0n, imMultiplier: 1_100_000n, riskArray: null });
  assert.deepEqual(byId.get('NQ-DEC')!.portfolio!.imMultiplier, 1_200_000n);
  assert.equal(byId.get('ES-DEC-5000-C')!.option!.shortOptionMinimum, 250_000_000n);

  const { book } = readBook(db, DEMO_AS_OF);
  assert.equal(book.market!.vols.get('ES-DEC'), 200_000n);
  assert.deepEqual(book.market!.spreads, [{ id: 'ES-NQ', legs: [{ underlying: 'ES', ratio: '1' }, { underlying: 'NQ', ratio: '2' }], rate: 500_000n, priority: 1 }]);
  const results = evaluateAccounts(book);
  const pm1 = results.find((r) => r.id === 'PM1')!;
  const [es, nq] = pm1.commodities!;
  // NQ: 20 x $400 scan risk, all 20 deltas spread against ES: credit $4,000; MM $4,000, IM x 1.2.
  assert.deepEqual([nq!.scanRisk, nq!.credits, nq!.mm, nq!.im], [8_000_000_000n, 4_000_000_000n, 4_000_000_000n, 4_800_000_000n]);
  assert.ok(es!.scanRisk > 0n && es!.credits > 0n, 'ES: futures less two short calls, credited against NQ');
  assert.equal(pm1.mm, es!.mm + nq!.mm);

  const cycle = dispatch({ db, actor: supervisor, now: () => new Date(DEMO_AS_OF) }, 'cycle.run', { at: DEMO_AS_OF }) as { cycle: number };
  // The stored cycle result of each portfolio account is the engine's, and a call (equity < MM) asks IM - equity,
  // rounded up to the cent.
  for (const id of ['PM1', 'PM2']) {
    const r = results.find((x) => x.id === id)!;
    const call = db.prepare("SELECT amount FROM margin_calls WHERE account_id = ? AND status = 'open'").safeIntegers(true).get(id) as { amount: bigint } | undefined;
    if (r.equity < r.mm) {
      const need = r.im - r.equity;
      assert.equal(call?.amount, ((need + 9_999n) / 10_000n) * 10_000n, `${id} call`);
    } else {
      assert.equal(call, undefined, `${id} has no call`);
    }
  }
  assert.ok(cycle.cycle > 0);
  assert.equal(pm1.equity < pm1.mm, true, 'PM1, $5,000 against the scan, is on call');
  const ok = deepVerify(db);
  assert.equal(ok.outcome, 'verified', ok.message);
  db.close();
});

test('CSV: an imported risk array replaces the computed one; re-imported as tiered, the instrument drops it', () => {
  const db = demoLedger();
  importPortfolioBook(db);
  const run = importer(db);
  const values = [0, 0, 3330, 3330, -3330, -3330, 6670, 6670, -6670, -6670, 10000, 10000, -10000, -10000, 7000, -7000];
  run('risk-arrays', `instrument,scenario,value\n${values.map((v, s) => `ES-DEC,${s + 1},${v}`).join('\n')}\n`);
  const es = readInstruments(db).find((x) => x.id === 'ES-DEC')!;
  assert.deepEqual(es.portfolio!.riskArray, values.map((v) => BigInt(v) * 1_000_000n));
  const pm2 = evaluateAccounts(readBook(db, DEMO_AS_OF).book).find((r) => r.id === 'PM2')!;
  assert.equal(pm2.commodities![0]!.scanRisk, 10_000_000_000n);
  // An instrument re-imported as tiered keeps no array of its portfolio days.
  run('instruments', 'id,kind,underlying,multiplier,lot,tick,margin,expiry,scan_range\nGC-DEC,future,GC,100,1,0.1,portfolio,2026-12-18T14:30:00Z,500\n');
  run('risk-arrays', `instrument,scenario,value\n${values.map((v, s) => `GC-DEC,${s + 1},${v}`).join('\n')}\n`);
  assert.equal(Number(db.prepare("SELECT count(*) FROM instrument_risk_arrays WHERE instrument_id = 'GC-DEC'").pluck().get()), 16);
  run('instruments', 'id,kind,underlying,multiplier,lot,tick,margin,expiry\nGC-DEC,future,GC,100,1,0.1,tiered,2026-12-18T14:30:00Z\n');
  assert.equal(Number(db.prepare("SELECT count(*) FROM instrument_risk_arrays WHERE instrument_id = 'GC-DEC'").pluck().get()), 0);
  db.close();
});

test('CSV: a bad portfolio row is refused by file, row and column, and the ledger is unchanged', () => {
  const db = demoLedger();
  importPortfolioBook(db);
  const run = importer(db);
  const snapshot = () =>
    JSON.stringify(
      ['instruments', 'instrument_risk_arrays', 'spreads', 'spread_legs', 'positions', 'journal'].map((t) => Number(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get())),
    );
  const member = db.prepare('SELECT id FROM members ORDER BY id LIMIT 1').pluck().get() as string;
  run('accounts', `id,member,kind,mode\nISO1,${member},client,isolated\n`);
  // A tiered future held in an isolated position (ISO1's only one): it may not turn portfolio.
  const heldFuture = readInstruments(db).find((i) => i.kind === 'future' && i.margin === 'tiered' && !db.prepare('SELECT 1 FROM positions WHERE instrument_id = ? AND isolated_margin IS NOT NULL').get(i.id))!;
  run('prices', `instrument,at,mark\n${heldFuture.id},${AT},${heldFuture.tick}\n`);
  run('positions', `account,instrument,quantity,entry_value,isolated_margin\nISO1,${heldFuture.id},${heldFuture.lot},1,100\n`);
  const before = snapshot();
  const refused = (kind: string, text: string, where: { row: number; column: string }, why: RegExp) => {
    assert.throws(
      () => run(kind, text),
      (e: unknown) => e instanceof InputError && e.where?.file === `${kind}.csv` && e.where.row === where.row && e.where.column === where.column && why.test(e.message),
      `${kind}: ${where.row}/${where.column}`,
    );
    assert.equal(snapshot(), before, 'nothing written');
  };
  const head = 'id,kind,underlying,multiplier,lot,tick,margin,expiry,option_right,strike,underlying_instrument,scan_range\n';
  refused('instruments', `${head}GOOD,future,GC,100,1,0.1,portfolio,2026-12-18T14:30:00Z,,,,500\nGC-DEC,future,GC,100,1,0.1,portfolio,2026-12-18T14:30:00Z,,,,\n`, { row: 2, column: 'scan_range' }, /needs its scan range/);
  refused('instruments', `${head}X-C,option,BTC,1,1,1,portfolio,2026-12-18T14:30:00Z,call,100,BTC-26JUN26,\n`, { row: 1, column: 'scan_range' }, /its underlying instrument BTC-26JUN26 has none to lend \(it is tiered\)/);
  refused('instruments', `${head}T,future,T,1,1,1,tiered,2026-12-18T14:30:00Z,,,,5\n`, { row: 1, column: 'scan_range' }, /only to portfolio/);
  refused('instruments', `${head}P,perpetual,P,1,1,1,portfolio,,,,,5\n`, { row: 1, column: 'margin' }, /perpetual/);
  refused('risk-arrays', 'instrument,scenario,value\nES-DEC,1,0\nES-DEC,2,0\n', { row: 1, column: 'scenario' }, /no value for scenario 3, 4/);
  refused('risk-arrays', 'instrument,scenario,value\nES-DEC,17,0\n', { row: 1, column: 'scenario' }, /1 to 16/);
  refused('risk-arrays', 'instrument,scenario,value\nBTC-26JUN26,1,0\n', { row: 1, column: 'instrument' }, /only to portfolio instruments/);
  refused('positions', 'account,instrument,quantity,entry_price,isolated_margin\nISO1,ES-DEC,1,5000,1000\n', { row: 1, column: 'instrument' }, /isolated mode/);
  // Nor may an account holding a portfolio position turn isolated under it (the way around the row check above).
  const holder = db.prepare("SELECT a.id, a.member_id FROM accounts a JOIN positions p ON p.account_id = a.id JOIN instruments i ON i.id = p.instrument_id WHERE i.margin = 'portfolio' ORDER BY 1 LIMIT 1").get() as { id: string; member_id: string };
  refused('accounts', `id,member,kind,mode\n${holder.id},${holder.member_id},client,isolated\n`, { row: 1, column: 'mode' }, /has positions: its margin mode cannot change from cross to isolated/);
  // ES-DEC-5000-C moves by ES-DEC's range: ES-DEC may not drop it.
  refused('instruments', `id,kind,underlying,multiplier,lot,tick,margin,expiry\nES-DEC,future,ES,50,1,0.25,tiered,2026-12-18T14:30:00Z\n`, { row: 1, column: 'scan_range' }, /options ES-DEC-5000-C move by/);
  const x = heldFuture;
  refused('instruments', `id,kind,underlying,multiplier,lot,tick,margin,expiry,scan_range\n${x.id},${x.kind},${x.underlying},${x.multiplier},${x.lot},${x.tick},portfolio,${x.expiry},100\n`, { row: 1, column: 'margin' }, /held in 1 isolated positions/);
  refused('spreads', 'spread,underlying,ratio,rate,priority\nS,ES,1,0.5,1\n', { row: 1, column: 'underlying' }, /one leg/);
  refused('spreads', 'spread,underlying,ratio,rate,priority\nS,ES,1,0.5,1\nS,NQ,0,0.5,1\n', { row: 2, column: 'ratio' }, /greater than 0/);
  refused('spreads', 'spread,underlying,ratio,rate,priority\nS,ES,1,0.5,1\nS,NQ,1,0.4,1\n', { row: 2, column: 'rate' }, /one rate per spread/);
  refused('spreads', 'spread,underlying,ratio,rate,priority\nS,ES,1,1.5,1\nS,NQ,1,1.5,1\n', { row: 1, column: 'rate' }, /above 1/);
  db.close();
});

test('import: risk arrays and spreads are reference data, a supervisor\'s to import (the way around: an operator is refused)', () => {
  const db = demoLedger();
  importPortfolioBook(db);
  const operator: Actor = { name: 'operator', role: 'operator' };
  for (const [kind, text] of [
    ['spreads', 'spread,underlying,ratio,rate,priority\nS,ES,1,0.5,1\nS,NQ,1,0.5,1\n'],
    ['risk-arrays', 'instrument,scenario,value\nES-DEC,1,0\n'],
  ] as const) {
    assert.throws(() => dispatch({ db, actor: operator, now: () => new Date(DEMO_AS_OF) }, 'import.csv', { kind, file: 'x.csv', text }), /supervisor/);
  }
  db.close();
});

test('a price tick on the resident book calls a portfolio account its move puts under MM (the BigInt path is screened)', () => {
  const db = demoLedger();
  const later = () => new Date('2026-03-13T06:00:00Z');
  const sup = { db, actor: supervisor, now: later };
  const run = (kind: string, text: string) => dispatch(sup, 'import.csv', { kind, file: `${kind}.csv`, text });
  const member = db.prepare('SELECT id FROM members ORDER BY id LIMIT 1').pluck().get() as string;
  run('instruments', 'id,kind,underlying,multiplier,lot,tick,margin,expiry,scan_range\nES-DEC,future,ES,50,1,0.25,portfolio,2027-12-17T14:30:00Z,1000\n');
  run('prices', `instrument,at,mark\nES-DEC,${AT},5000\n`);
  run('accounts', `id,member,kind,mode\nPM1,${member},client,cross\n`);
  run('collateral', 'account,asset,quantity\nPM1,USD,3000\n');
  run('positions', 'account,instrument,quantity,entry_price\nPM1,ES-DEC,2,5000\n');
  const resident = new ResidentBook(db);
  const ctx = { ...sup, resident };
  dispatch(ctx, 'cycle.run', { at: DEMO_AS_OF });
  // Scan risk 2 x 1,000 = MM 2,000 against 3,000 of cash: healthy. ES down 100: 2 x 100 x 50 = 10,000 lost.
  const t = dispatch(ctx, 'prices.tick', { marks: [{ instrument: 'ES-DEC', price: '4900', time: '2026-03-13T01:00:00Z' }] }) as { calls: { account: string; amount: string }[] };
  // Equity 3,000 - 10,000 = -7,000; the call restores IM 2,200: 9,200.
  assert.deepEqual(t.calls.map((c) => [c.account, c.amount]), [['PM1', '9200']]);
  db.close();
});

test('a portfolio account in liquidation gets a proposal sized on its scan, cold and resident alike, and the journal replays', () => {
  const orders = (db: Database) =>
    db
      .prepare("SELECT o.instrument_id AS i, o.side AS s, o.proposed_lots AS n FROM liquidation_orders o JOIN liquidations l ON l.id = o.liquidation_id WHERE l.account_id = 'PM1' AND l.status = 'proposed' ORDER BY o.seq")
      .all()
      .map((r) => Object.values(r as object).join(' '));
  for (const resident of [false, true]) {
    const db = demoLedger();
    const sup = { db, actor: supervisor, now: () => new Date(DEMO_AS_OF) };
    const run = (kind: string, text: string) => dispatch(sup, 'import.csv', { kind, file: `${kind}.csv`, text });
    const member = db.prepare('SELECT id FROM members ORDER BY id LIMIT 1').pluck().get() as string;
    run('instruments', 'id,kind,underlying,multiplier,lot,tick,margin,expiry,scan_range\nES-DEC,future,ES,1,1,0.25,portfolio,2027-12-17T14:30:00Z,1000\n');
    run('prices', `instrument,at,mark\nES-DEC,${AT},5000\n`);
    run('accounts', `id,member,kind,mode\nPM1,${member},client,cross\n`);
    run('collateral', 'account,asset,quantity\nPM1,USD,2000\n');
    run('positions', 'account,instrument,quantity,entry_price\nPM1,ES-DEC,3,5000\n');
    const ctx = resident ? { ...sup, resident: new ResidentBook(db) } : sup;
    // MM 3 x 1,000 against 2,000: health 0.67. Selling 1 leaves 1,975 against 2,000; selling 2 (fees 2 x 25) 1,950 against 1,000.
    dispatch(ctx, 'cycle.run', { at: DEMO_AS_OF });
    assert.deepEqual(orders(db), ['ES-DEC sell 2'], resident ? 'resident' : 'cold');
    dispatch(ctx, 'cycle.run', { at: DEMO_AS_OF });
    assert.deepEqual(orders(db), ['ES-DEC sell 2'], 'the next cycle keeps the one proposal');
    // The plan quantity's trace: one lot fewer misses the target, with the commodity scanned again.
    const t = dispatch(ctx, 'explain.figure', { account: 'PM1', figure: 'planQuantity', instrument: 'ES-DEC' }) as { value: string; steps: { label: string; value: string }[] };
    assert.equal(t.value, '2');
    assert.ok(t.steps.some((s) => s.label === 'MM after'), JSON.stringify(t.steps));
    const ok = deepVerify(db);
    assert.equal(ok.outcome, 'verified', ok.message);
    db.close();
  }
});

test('a liquidation of an account without options is reviewed while the ledger holds options it does not price (only held instruments are priced)', () => {
  const db = demoLedger(60);
  importPortfolioBook(db);
  const sup = { db, actor: supervisor, now: () => new Date(DEMO_AS_OF) };
  dispatch(sup, 'cycle.run', { at: DEMO_AS_OF });
  const list = dispatch(sup, 'liquidations.list', {}) as { id: number; account: string }[];
  const l = list.find((x) => !x.account.startsWith('PM') && !x.account.startsWith('VOC'));
  assert.ok(l, JSON.stringify(list));
  const d = dispatch(sup, 'liquidations.get', { id: l.id }) as { orders: { instrument: string; quantity: string }[] };
  const o = d.orders[0]!;
  // Its book lists ES-DEC-5000-C but prices only what the account holds: the preview does not try to price the call.
  const p = dispatch(sup, 'liquidations.preview', { id: l.id, orders: [{ instrument: o.instrument, quantity: o.quantity }] }) as { orders: unknown[] };
  assert.equal(p.orders.length, 1);
  db.close();
});

test('a what-if shock shows the combined commodities scanned again at the shocked prices: the covered write\'s offset and the spread credit', () => {
  const db = demoLedger();
  importPortfolioBook(db);
  const ctx = { db, actor: supervisor, now: () => new Date(DEMO_AS_OF) };
  const detail = dispatch(ctx, 'accounts.commodities', { id: 'PM1' }) as AccountCommodities;
  // No shock: the detail's own figures, commodity by commodity.
  const still = dispatch(ctx, 'accounts.whatif', { id: 'PM1', shocks: { ES: '0' } }) as WhatIfResult;
  assert.deepEqual(still.commodities, detail.commodities.map(({ greeks: _g, scenarios: _s, ...figures }) => figures));
  // ES down 5%: the long futures lose, the short calls gain; the account's MM is its commodities' (it holds no tiered
  // position), and the ES-NQ spread still credits both legs.
  const w = dispatch(ctx, 'accounts.whatif', { id: 'PM1', shocks: { ES: '-0.05' } }) as WhatIfResult;
  assert.deepEqual(w.commodities.map((c) => c.underlying), ['ES', 'NQ']);
  const sum = w.commodities.reduce((a, c) => a + parseUnits(c.mm, 6, 'mm'), 0n);
  assert.equal(sum, parseUnits(w.figures.mm, 6, 'mm'));
  for (const c of w.commodities) {
    assert.ok(parseUnits(c.credits, 6, 'credits') > 0n, `${c.underlying} credited`);
    assert.deepEqual(c.spreads.map((s) => s.id), ['ES-NQ']);
  }
  assert.notEqual(w.commodities[0]!.scanRisk, still.commodities[0]!.scanRisk, 'the shock moves the ES scan');
  db.close();
});
