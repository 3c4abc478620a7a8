// The console's read channels (design.md §5: dashboard, accounts table and detail, what-if shock, market data) on
// real ledger files: figures checked against the cycle's stored results and the engine on the whole book, the
// liquidation price checked by moving the mark to it, and the ledger checked untouched by every read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { OPTIONS_DESK_ACCOUNTS } from '../main/demo/optionsDesk.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { InputError } from '../shared/errors.ts';
import { journalHead } from '../main/ledger/journal.ts';
import type {
  AccountDetail,
  AccountsTable,
  CycleSummary,
  DashboardSummary,
  InstrumentView,
  MarginCall,
  PriceSeries,
  Status,
  WhatIfResult,
} from '../shared/contract.ts';
import { readCycleResults, readIsolatedUnits } from '../main/ledger/cycleResults.ts';
import { readBook, readAccounts, readInstruments, readMarks } from '../main/ledger/bookRepo.ts';
import { evaluateAccounts } from '../main/engine/evaluate.ts';
import { unitStatusExact } from '../main/engine/exactAccount.ts';
import { roundLiqPriceToTick } from '../main/engine/liquidationPrice.ts';
import { STATUS_CODES } from '../main/engine/kernel.ts';
import { STATUS_RANK } from '../main/engine/results.ts';
import type { Book } from '../main/engine/model.ts';
import { formatAmount } from '../shared/units.ts';

const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });

const demoLedger = demoLedgers('riskdesk-console-', 300);
const operator: Actor = { name: 'operator', role: 'operator' };
const viewer: Actor = { name: 'viewer', role: 'viewer' };
const run = <T>(db: Ledger, channel: string, payload: unknown, at: string = DEMO_AS_OF, actor: Actor = viewer) =>
  dispatch({ db, actor, now: () => new Date(at) }, channel, payload) as T;
const runCycle = (db: Ledger, at: string) => run<CycleSummary>(db, 'cycle.run', { at }, at, operator);
const addMinutes = (iso: string, m: number) => new Date(Date.parse(iso) + m * 60_000).toISOString();
const rank = (s: Status) => STATUS_RANK[s];

/** Throws an InputError whose `where.field` is `field`. */
function throwsField(f: () => unknown, field: string): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof InputError, `expected an InputError, got ${String(e)}`);
    assert.equal(e.where.field, field, e.message);
    return true;
  });
}

/** Every row of every table, so a read can be shown to leave the ledger exactly as it was. */
function dumpLedger(db: Ledger): string {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
  assert.ok(tables.includes('margin_calls') && tables.includes('journal'), `tables: ${tables.join(', ')}`);
  const out: Record<string, string[]> = {};
  for (const t of tables) {
    out[t] = (db.prepare(`SELECT * FROM "${t}"`).raw().all() as unknown[][])
      .map((r) => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : Buffer.isBuffer(v) ? v.toString('hex') : v)))
      .sort();
  }
  return JSON.stringify(out);
}

/** A book holding one account of `book`, at the marks given. */
function oneAccountBook(book: Book, id: string, marks: Map<string, bigint> = book.marks): Book {
  return {
    ...book,
    accounts: book.accounts.filter((a) => a.id === id),
    positions: book.positions.filter((p) => p.account === id),
    collateral: book.collateral.filter((c) => c.account === id),
    marks,
  };
}

// One ledger with one cycle, shared by the read-only tests below (each checks it leaves the ledger as it was).
const shared = demoLedger(300);
const c1 = runCycle(shared, DEMO_AS_OF);
const table1 = run<AccountsTable>(shared, 'accounts.list', {});

test('before the first cycle: empty dashboard and table, detail valued at the latest prices', () => {
  const db = demoLedger(120);
  const d = run<DashboardSummary>(db, 'dashboard.summary', {});
  assert.equal(d.cycle, null);
  assert.equal(d.asOf, null);
  assert.deepEqual(d.totals, { equity: '0', mm: '0', im: '0' });
  assert.deepEqual(d.statuses, { healthy: 0, warning: 0, call: 0, liquidation: 0, bankrupt: 0 });
  assert.deepEqual(d.openCalls, { count: 0, amount: '0', overdue: 0 });
  assert.deepEqual(d.history, []);
  // The one fact worth saying: prices are loaded and nothing has been margined yet.
  assert.equal(d.alerts.length, 1);
  assert.equal(d.alerts[0]!.level, 'info');
  assert.equal(d.alerts[0]!.at, DEMO_AS_OF);
  assert.match(d.alerts[0]!.text, /no margin cycle has run yet/);

  const t = run<AccountsTable>(db, 'accounts.list', {});
  assert.equal(t.cycle, null);
  assert.equal(t.asOf, null);
  for (const [k, col] of Object.entries(t.columns)) assert.deepEqual(col, [], k);

  const id = readAccounts(db)[7]!.id;
  const det = run<AccountDetail>(db, 'accounts.detail', { id });
  assert.equal(det.asOf, DEMO_AS_OF);
  assert.deepEqual(det.history, []);
  assert.equal(det.openCall, null);
  const book = readBook(db, DEMO_AS_OF).book;
  const ref = evaluateAccounts(book).find((r) => r.id === id)!;
  assert.equal(det.figures.equity, formatAmount(ref.equity));
  assert.equal(det.figures.mm, formatAmount(ref.mm));
  assert.equal(det.figures.status, ref.status);
  db.close();
});

test('accounts.list is made again only when the ledger changed, here or from another connection', () => {
  const db = demoLedger(60);
  runCycle(db, DEMO_AS_OF);
  const t1 = run<AccountsTable>(db, 'accounts.list', {});
  assert.equal(run<{ version: string }>(db, 'accounts.version', {}).version, t1.version);
  // Nothing changed: the same table, not made again.
  assert.equal(run<AccountsTable>(db, 'accounts.list', {}), t1);
  // A journalled change (positions imported) makes it again; the cycle is the same, so are its figures.
  const id = readAccounts(db).find((a) => a.mode === 'cross')!.id;
  run(db, 'import.csv', { kind: 'positions', file: 'p.csv', text: `account,instrument,quantity,entry_value\n${id},BTC-PERP,1,40000\n` }, DEMO_AS_OF, operator);
  const t2 = run<AccountsTable>(db, 'accounts.list', {});
  assert.notEqual(t2, t1);
  assert.deepEqual(t2.columns, t1.columns);
  // Its version moved with the ledger: a console holding t1 is told to fetch again, one holding t2 keeps it.
  assert.notEqual(t2.version, t1.version);
  assert.equal(run<{ version: string }>(db, 'accounts.version', {}).version, t2.version);
  // A cycle run through another connection to the same file (another process, the CLI): seen at once.
  const other = openLedger(db.name);
  const later = addMinutes(DEMO_AS_OF, 5);
  const c2 = dispatch({ db: other, actor: operator, now: () => new Date(later) }, 'cycle.run', { at: later }) as CycleSummary;
  other.close();
  assert.notEqual(run<{ version: string }>(db, 'accounts.version', {}).version, t2.version, 'another connection\'s cycle is a new version');
  const t3 = run<AccountsTable>(db, 'accounts.list', {});
  assert.equal(t3.cycle, c2.cycle);
  assert.equal(run<{ version: string }>(db, 'accounts.version', {}).version, t3.version);
  assert.notEqual(t3.cycle, t1.cycle);
  const i = t3.columns.id.indexOf(id);
  assert.notEqual(t3.columns.equity[i], t1.columns.equity[i], 'the new position counts in the new cycle');
  db.close();
});

test('accounts.detail: an average entry price to 8 places, half-even, trailing zeros trimmed', () => {
  const db = demoLedger(60);
  const id = readAccounts(db).find((a) => a.mode === 'cross')!.id;
  // 0.003 BTC for 100 USD: 33333.333...; 0.064 BTC for 6.400001 USD: 100.000015625, a tie at the 9th place.
  const text = `account,instrument,quantity,entry_value\n${id},BTC-PERP,0.003,100\n${id},BTC-27MAR26,-0.064,-6.400001\n${id},BTC-26JUN26,0.5,40000\n`;
  run(db, 'import.csv', { kind: 'positions', file: 'entries.csv', text }, DEMO_AS_OF, operator);
  const d = run<AccountDetail>(db, 'accounts.detail', { id });
  const entry = (inst: string) => d.positions.find((p) => p.instrument === inst)!;
  assert.deepEqual([entry('BTC-PERP').quantity, entry('BTC-PERP').entryPrice], ['0.003', '33333.33333333']);
  assert.deepEqual([entry('BTC-27MAR26').quantity, entry('BTC-27MAR26').entryPrice], ['-0.064', '100.00001562']);
  assert.deepEqual([entry('BTC-26JUN26').quantity, entry('BTC-26JUN26').entryPrice], ['0.5', '80000']);
  db.close();
});

test('dashboard after a cycle: statuses, totals, open calls and alerts agree with the cycle and the calls', () => {
  const head = journalHead(shared);
  const d = run<DashboardSummary>(shared, 'dashboard.summary', {});
  assert.equal(d.cycle, c1.cycle);
  assert.equal(d.asOf, DEMO_AS_OF);
  assert.deepEqual(d.statuses, c1.statuses);
  assert.equal(Object.values(d.statuses).reduce((a, b) => a + b, 0), 300 + OPTIONS_DESK_ACCOUNTS);
  assert.deepEqual(d.totals, { equity: c1.totals.equity, mm: c1.totals.mm, im: c1.totals.im });
  // The totals are the sums of the stored per-account results.
  const r = readCycleResults(shared, c1.cycle);
  assert.equal(d.totals.equity, formatAmount(r.equity.reduce((a, b) => a + b, 0n)));
  assert.equal(d.totals.im, formatAmount(r.im.reduce((a, b) => a + b, 0n)));

  const live = [
    ...run<MarginCall[]>(shared, 'calls.list', { status: 'open' }),
    ...run<MarginCall[]>(shared, 'calls.list', { status: 'overdue' }),
  ];
  assert.ok(live.length > 0);
  assert.equal(d.openCalls.count, live.length);
  assert.equal(d.openCalls.count, c1.calls.issued);
  assert.equal(d.openCalls.amount, live.reduce((s, c) => s.plus(c.outstanding), new D(0)).toFixed());
  assert.equal(d.openCalls.amount, c1.totals.openCalls);
  assert.equal(d.openCalls.overdue, 0);
  assert.deepEqual(d.history, [{ cycle: c1.cycle, asOf: DEMO_AS_OF, equity: c1.totals.equity, mm: c1.totals.mm, im: c1.totals.im }]);

  // Alerts are facts of this ledger: the bankrupt accounts named are the bankrupt ones of the cycle.
  const bankrupt = r.ids.filter((_, i) => STATUS_CODES[r.status[i]!] === 'bankrupt');
  assert.ok(bankrupt.length > 0);
  const b = d.alerts.find((a) => /bankrupt/.test(a.text))!;
  assert.equal(b.level, 'critical');
  assert.equal(b.at, DEMO_AS_OF);
  assert.match(b.text, new RegExp(`^cycle ${c1.cycle}: ${bankrupt.length} accounts? bankrupt`));
  const named = b.text.slice(b.text.lastIndexOf(':') + 1).split(/,| and /).map((s) => s.trim()).filter((s) => /^[A-Z]/.test(s));
  assert.ok(named.length > 0);
  for (const id of named) assert.ok(bankrupt.includes(id), `${id} is not bankrupt`);
  const issued = d.alerts.find((a) => /issued/.test(a.text))!;
  assert.equal(issued.text, `cycle ${c1.cycle} issued ${c1.calls.issued} margin calls totalling ${c1.totals.openCalls}`);
  assert.ok(!d.alerts.some((a) => /past deadline/.test(a.text)));

  // An hour and a half later (no new cycle) every call is past its deadline: overdue counts it and says so.
  const later = addMinutes(DEMO_AS_OF, 90);
  const pastDue = live.filter((c) => c.deadline <= later).length;
  assert.ok(pastDue > 0);
  const d2 = run<DashboardSummary>(shared, 'dashboard.summary', {}, later);
  assert.equal(d2.openCalls.overdue, pastDue);
  const od = d2.alerts[0]!;
  assert.equal(od.level, 'critical');
  assert.match(od.text, new RegExp(`^${pastDue} margin calls? past deadline, ${d2.openCalls.amount.replace('.', '\\.')} outstanding`));
  assert.equal(journalHead(shared).hash, head.hash);
});

test('dashboard history has one point per cycle, oldest first, and alerts are newest first', () => {
  const db = demoLedger(300);
  const a = runCycle(db, DEMO_AS_OF);
  // One call is given until five hours after the cycle; the others' deadlines pass before the next cycle.
  const first = run<MarginCall[]>(db, 'calls.list', { status: 'open' });
  assert.ok(first.length >= 2);
  const extended = first[1]!;
  const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
  run(db, 'calls.extend', { id: extended.id, deadline: addMinutes(DEMO_AS_OF, 300), reason: 'wire in flight' }, addMinutes(DEMO_AS_OF, 30), supervisor);
  const t2 = addMinutes(DEMO_AS_OF, 120);
  const b = runCycle(db, t2); // same prices; the first cycle's calls are now past their deadlines
  assert.equal(b.calls.overdue, first.length - 1);
  const d = run<DashboardSummary>(db, 'dashboard.summary', {}, t2);
  assert.equal(d.openCalls.count, first.length);
  const owed = (cs: MarginCall[]) => cs.reduce((s, c) => s.plus(c.outstanding), new D(0)).toFixed();
  assert.equal(d.openCalls.amount, owed(run<MarginCall[]>(db, 'calls.list', {}, t2).filter((c) => c.status === 'open' || c.status === 'overdue')));
  const pastDue = d.alerts.find((x) => /past deadline,/.test(x.text))!;
  const overdueNow = run<MarginCall[]>(db, 'calls.list', { status: 'overdue' }, t2);
  assert.equal(pastDue.level, 'critical');
  assert.equal(pastDue.at, overdueNow.map((c) => c.deadline).sort().at(-1));
  assert.match(pastDue.text, new RegExp(`^${overdueNow.length} margin calls? past deadline, ${owed(overdueNow).replace('.', '\\.')} outstanding; longest overdue: call ${overdueNow[0]!.id} on account ${overdueNow[0]!.account} `));
  // Once the extended deadline passes too, every live call counts as overdue, cycle or not.
  assert.equal(run<DashboardSummary>(db, 'dashboard.summary', {}, addMinutes(DEMO_AS_OF, 301)).openCalls.overdue, first.length);
  assert.deepEqual(
    d.history.map((h) => [h.cycle, h.asOf, h.equity]),
    [
      [a.cycle, DEMO_AS_OF, a.totals.equity],
      [b.cycle, t2, b.totals.equity],
    ],
  );
  assert.deepEqual(d.statuses, b.statuses);
  // Overdue calls count as liquidation in the later cycle.
  assert.ok(b.statuses.liquidation > a.statuses.liquidation, `${b.statuses.liquidation} vs ${a.statuses.liquidation}`);
  const overdue = run<MarginCall[]>(db, 'calls.list', { status: 'overdue' }, t2);
  assert.equal(overdue.length, b.calls.overdue);
  assert.equal(d.openCalls.overdue, overdue.length);
  assert.ok(d.alerts.some((x) => x.text === `cycle ${b.cycle} found ${b.calls.overdue} margin call${b.calls.overdue === 1 ? '' : 's'} past deadline and marked them overdue`));
  // The later cycle issued nothing new, so no "issued" alert; the first cycle's is no longer the latest.
  assert.equal(b.calls.issued, 0);
  assert.ok(!d.alerts.some((x) => /issued/.test(x.text)));
  for (let i = 1; i < d.alerts.length; i++) assert.ok(d.alerts[i - 1]!.at >= d.alerts[i]!.at, 'newest first');
  assert.ok(d.alerts.length >= 3);
  const last = run<DashboardSummary>(db, 'dashboard.summary', { historyCycles: 1 }, t2);
  assert.deepEqual(last.history.map((h) => h.cycle), [b.cycle]);
  db.close();
});

test('accounts.list: every account of the latest cycle, in id order, every margin unit counted', () => {
  const t = table1;
  const r = readCycleResults(shared, c1.cycle);
  const accounts = readAccounts(shared);
  // The engine on the whole book gives each account's isolated units, independently of what the cycle stored.
  const whole = new Map(evaluateAccounts(readBook(shared, DEMO_AS_OF).book).map((x) => [x.id, x]));
  assert.equal(t.cycle, c1.cycle);
  assert.equal(t.asOf, DEMO_AS_OF);
  const cols = t.columns;
  for (const [k, col] of Object.entries(cols)) assert.equal(col.length, 300 + OPTIONS_DESK_ACCOUNTS, k);
  assert.deepEqual(cols.id, [...cols.id].sort());
  assert.deepEqual(cols.id, r.ids);
  assert.deepEqual(cols.member, accounts.map((a) => a.member));
  assert.deepEqual(cols.kind, accounts.map((a) => a.kind));
  assert.deepEqual(cols.status, [...r.status].map((s) => STATUS_CODES[s]));
  assert.deepEqual(cols.call, [...r.call].map((v) => (v < 0n ? null : formatAmount(v))));
  let isolatedSeen = 0;
  for (let i = 0; i < 300; i++) {
    const units = whole.get(cols.id[i]!)!.positions.flatMap((p) => (p.isolated ? [p.isolated] : []));
    if (units.length) isolatedSeen++;
    const sum = (f: 'equity' | 'mm' | 'im') => units.reduce((s, u) => s + u[f], 0n);
    assert.equal(cols.equity[i], formatAmount(r.equity[i]! + sum('equity')), `${cols.id[i]} equity`);
    assert.equal(cols.mm[i], formatAmount(r.mm[i]! + sum('mm')), `${cols.id[i]} mm`);
    assert.equal(cols.im[i], formatAmount(r.im[i]! + sum('im')), `${cols.id[i]} im`);
    // Health is the worst unit's equity / MM (units without MM have none), as a float that agrees with the ratio.
    const ratios = [{ equity: r.equity[i]!, mm: r.mm[i]! }, ...units].filter((u) => u.mm > 0n).map((u) => new D(u.equity.toString()).div(u.mm.toString()));
    const h = cols.health[i];
    if (ratios.length === 0) assert.equal(h, null, cols.id[i]);
    else assert.ok(Math.abs(h! - D.min(...ratios).toNumber()) < 1e-8, `${cols.id[i]}: ${h}`);
  }
  assert.ok(isolatedSeen > 0, 'the demo book holds isolated accounts');
  const counts: Record<string, number> = {};
  for (const s of cols.status) counts[s] = (counts[s] ?? 0) + 1;
  assert.deepEqual(counts, Object.fromEntries(Object.entries(c1.statuses).filter(([, v]) => v > 0)));
});

test('accounts.list: an isolated account in liquidation ranks by its worst unit, not as an account without margin', () => {
  const c = table1.columns;
  const isolated = new Set(readAccounts(shared).filter((a) => a.mode === 'isolated').map((a) => a.id));
  const sick = c.id.map((id, i) => ({ id, i })).filter(({ id, i }) => isolated.has(id) && (c.status[i] === 'liquidation' || c.status[i] === 'bankrupt'));
  assert.ok(sick.length > 0, 'the demo book has an isolated account in liquidation');
  for (const { id, i } of sick) {
    assert.notEqual(c.health[i], null, `${id} has a health`);
    assert.ok(c.health[i]! < 0.8, `${id}: health ${c.health[i]} is below the liquidation line`);
    assert.notEqual(c.mm[i], '0', `${id} shows its isolated MM`);
  }
});

/** Accounts worth looking at: every one in trouble, the isolated ones, and a spread of healthy ones. */
function sampleAccounts(): string[] {
  const c = table1.columns;
  const ids = new Set<string>();
  c.id.forEach((id, i) => {
    if (c.status[i] !== 'healthy' || i % 37 === 0) ids.add(id);
  });
  for (const a of readAccounts(shared)) if (a.mode === 'isolated') ids.add(a.id);
  return [...ids];
}

test('accounts.detail equals the cycle stored results and the engine on the whole book, at the same prices', () => {
  const r = readCycleResults(shared, c1.cycle);
  const at = new Map(r.ids.map((id, i) => [id, i]));
  const book = readBook(shared, DEMO_AS_OF).book;
  const whole = new Map(evaluateAccounts(book).map((x) => [x.id, x]));
  const instruments = new Map(book.instruments.map((x) => [x.id, x]));
  const marks = readMarks(shared, DEMO_AS_OF);
  const sample = sampleAccounts();
  assert.ok(sample.length >= 25, `${sample.length} accounts`);
  const isolated = readIsolatedUnits(shared, c1.cycle);
  let isolatedSeen = 0;
  let unitsSeen = 0;
  let callsSeen = 0;
  for (const id of sample) {
    const d = run<AccountDetail>(shared, 'accounts.detail', { id });
    const i = at.get(id)!;
    const acct = book.accounts.find((a) => a.id === id)!;
    assert.deepEqual(d.account, { id, member: acct.member, kind: acct.kind, mode: acct.mode });
    assert.equal(d.asOf, DEMO_AS_OF);
    // The cycle's stored figures: its cross part plus its isolated units (stored beside them), as the grid shows.
    const iso = isolated.get(id);
    const [e, mm, im] = [r.equity[i]! + (iso?.equity ?? 0n), r.mm[i]! + (iso?.mm ?? 0n), r.im[i]! + (iso?.im ?? 0n)];
    assert.deepEqual(
      { collateral: d.figures.collateral, equity: d.figures.equity, mm: d.figures.mm, im: d.figures.im, status: d.figures.status, call: d.figures.call },
      {
        collateral: formatAmount(r.collateral[i]!),
        equity: formatAmount(e),
        mm: formatAmount(mm),
        im: formatAmount(im),
        status: STATUS_CODES[r.status[i]!],
        call: r.call[i]! < 0n ? null : formatAmount(r.call[i]!),
      },
      id,
    );
    assert.deepEqual(d.history, [
      { cycle: c1.cycle, asOf: DEMO_AS_OF, equity: d.figures.equity, mm: d.figures.mm, im: d.figures.im, status: d.figures.status },
    ]);
    // Each unit on its own (methodology §5), and the account's health the lowest unit's equity / MM.
    const w = whole.get(id)!;
    const units = unitsOracle(w, book.policy.liquidationHealth);
    assert.deepEqual(d.figures.units, iso ? units : [], id);
    if (iso) {
      unitsSeen++;
      assert.equal(d.figures.units.length, 1 + iso.units);
      assert.ok(new D(d.figures.units.reduce((s, u) => s.plus(u.equity), new D(0))).eq(d.figures.equity), `${id}: the units add up to the equity`);
    }
    assert.equal(d.figures.health, worstHealth(iso ? units : unitsOracle(w, book.policy.liquidationHealth).slice(0, 1)), id);
    // The engine on the whole book, position by position.
    assert.equal(d.figures.status, w.status);
    assert.equal(d.positions.length, w.positions.length);
    d.positions.forEach((p, k) => {
      const e = w.positions[k]!;
      const pos = book.positions.find((x) => x.account === id && x.instrument === e.instrument)!;
      const inst = instruments.get(e.instrument)!;
      assert.deepEqual(
        [p.instrument, p.notional, p.upnl, p.mm, p.im],
        [e.instrument, formatAmount(e.notional), formatAmount(e.upnl), formatAmount(e.mm), formatAmount(e.im)],
      );
      assert.deepEqual(
        p.isolated,
        e.isolated && { equity: formatAmount(e.isolated.equity), mm: formatAmount(e.isolated.mm), im: formatAmount(e.isolated.im), status: e.isolated.status },
      );
      if (p.isolated) isolatedSeen++;
      assert.ok(new D(p.quantity).eq(new D(String(pos.quantity)).mul(inst.lot)), `${id} ${p.instrument} quantity ${p.quantity}`);
      assert.ok(new D(p.mark).eq(new D(String(marks.get(p.instrument)!.mark)).mul(inst.tick)));
      const entry = new D(String(pos.entryValue)).div(1e6).div(new D(p.quantity).mul(inst.multiplier));
      assert.equal(p.entryPrice, entry.toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).toFixed());
      // notional = |quantity| x mark x multiplier
      assert.ok(new D(p.notional).eq(new D(p.quantity).abs().mul(p.mark).mul(inst.multiplier)));
    });
    // Collateral rows add up to the collateral figure.
    assert.ok(d.collateral.length > 0);
    assert.ok(d.collateral.reduce((s, c) => s.plus(c.value), new D(0)).eq(d.figures.collateral));
    for (const c of d.collateral) assert.ok(new D(c.value).lte(new D(c.quantity).mul(c.price)));
    // The live call, with its history, for the accounts the cycle called.
    const call = run<MarginCall[]>(shared, 'calls.list', { account: id }).find((x) => x.status === 'open');
    if (call) {
      callsSeen++;
      // The call as calls.get shows it, less the signed-in user's actions on it (the call's own view carries those).
      const { actions: _actions, ...asViewed } = run<MarginCall>(shared, 'calls.get', { id: call.id });
      assert.deepEqual(d.openCall, asViewed);
      assert.ok(d.openCall!.history!.length > 0);
    } else assert.equal(d.openCall, null);
  }
  assert.ok(isolatedSeen > 0);
  assert.ok(unitsSeen > 0);
  assert.ok(callsSeen > 0);
});

/**
 * An account's margin units from the engine's result on the whole book (methodology §5): the cross part (its
 * equity, MM and IM are the account-level figures of the result, its status from its own equity), then each
 * isolated position. Health = equity / MM to 8 places, half-even, computed here with decimal.js.
 */
function unitsOracle(w: ReturnType<typeof evaluateAccounts>[number], liquidationHealth: bigint) {
  const h = (e: bigint, m: bigint) => (m === 0n ? null : new D(String(e)).div(String(m)).toDecimalPlaces(8, Decimal.ROUND_HALF_EVEN).toFixed(8));
  const unit = (u: 'cross' | 'isolated', instrument: string | null, e: bigint, m: bigint, i: bigint, status: string) => ({
    unit: u,
    instrument,
    equity: formatAmount(e),
    mm: formatAmount(m),
    im: formatAmount(i),
    health: h(e, m),
    status,
  });
  return [
    unit('cross', null, w.equity, w.mm, w.im, unitStatusExact(w.equity, w.mm, w.im, liquidationHealth)),
    ...w.positions.filter((p) => p.isolated).map((p) => unit('isolated', p.instrument, p.isolated!.equity, p.isolated!.mm, p.isolated!.im, p.isolated!.status)),
  ];
}

/** The lowest health of the units that have MM; none with MM: null. */
function worstHealth(units: { health: string | null }[]): string | null {
  const hs = units.map((u) => u.health).filter((x): x is string => x !== null);
  return hs.length ? hs.reduce((a, b) => (new D(b).lt(a) ? b : a)) : null;
}

/**
 * Each position's liquidation price, moved to on its own (every other price held): at the price shown (rounded to
 * the tick toward the side that triggers sooner) the position's margin unit still holds MM; one tick further it is
 * in call or worse.
 */
test('a liquidation price is where the margin unit falls below MM', () => {
  const book = readBook(shared, DEMO_AS_OF).book;
  const instruments = new Map(book.instruments.map((x) => [x.id, x]));
  const lh = book.policy.liquidationHealth;
  let checked = 0;
  let isolatedChecked = 0;
  const c = table1.columns;
  for (let i = 0; i < c.id.length; i++) {
    if (rank(c.status[i]!) >= rank('call')) continue;
    const id = c.id[i]!;
    const d = run<AccountDetail>(shared, 'accounts.detail', { id });
    for (const p of d.positions) {
      if (p.liquidationPrice === null) continue;
      const inst = instruments.get(p.instrument)!;
      // A portfolio position's price is its underlying instrument's, found by scanning with its options moved too:
      // test/scannedPrices.test.ts checks those against a brute-force scan.
      if (inst.margin === 'portfolio') continue;
      const long = !p.quantity.startsWith('-');
      const shown = roundLiqPriceToTick(p.liquidationPrice, inst.tick, long ? 1 : -1);
      const shownTicks = BigInt(new D(shown).div(inst.tick).toFixed(0));
      if (shownTicks <= 1n) continue;
      const unitStatus = (ticks: bigint) => {
        const res = evaluateAccounts(oneAccountBook(book, id, new Map(book.marks).set(p.instrument, ticks)))[0]!;
        const u = res.positions.find((x) => x.instrument === p.instrument)!;
        return u.isolated ? u.isolated.status : unitStatusExact(res.equity, res.mm, res.im, lh);
      };
      const safe = unitStatus(shownTicks);
      const beyond = unitStatus(long ? shownTicks - 1n : shownTicks + 1n);
      assert.ok(rank(safe) < rank('call'), `${id} ${p.instrument} at ${shown} (LP ${p.liquidationPrice}): ${safe}`);
      assert.ok(rank(beyond) >= rank('call'), `${id} ${p.instrument} one tick past ${shown} (LP ${p.liquidationPrice}): ${beyond}`);
      checked++;
      if (p.isolated) isolatedChecked++;
    }
  }
  assert.ok(checked >= 100, `${checked} positions checked`);
  assert.ok(isolatedChecked > 0);
});

test('accounts.whatif at the shock implied by a liquidation price puts the account in call', () => {
  // Positions whose underlying is the only one of its kind in a healthy account that holds no collateral of that
  // underlying: a shock on it moves only that position (the liquidation price holds every other price).
  const c = table1.columns;
  const instruments = new Map(readInstruments(shared).map((x) => [x.id, x]));
  let tried = 0;
  for (let i = 0; i < c.id.length && tried < 6; i++) {
    if (c.status[i] !== 'healthy') continue;
    const id = c.id[i]!;
    const d = run<AccountDetail>(shared, 'accounts.detail', { id });
    const byUnderlying = new Map<string, number>();
    for (const p of d.positions) {
      const u = instruments.get(p.instrument)!.underlying;
      byUnderlying.set(u, (byUnderlying.get(u) ?? 0) + 1);
    }
    const held = new Set(d.collateral.map((h) => h.asset));
    const p = d.positions.find((x) => {
      const u = instruments.get(x.instrument)!.underlying;
      return x.liquidationPrice !== null && byUnderlying.get(u) === 1 && !held.has(u);
    });
    if (!p) continue;
    const inst = instruments.get(p.instrument)!;
    const long = !p.quantity.startsWith('-');
    const shown = new D(roundLiqPriceToTick(p.liquidationPrice!, inst.tick, long ? 1 : -1));
    const beyond = long ? shown.minus(inst.tick) : shown.plus(inst.tick);
    if (beyond.lte(0)) continue;
    tried++;
    const shockTo = (price: Decimal) => ({ [inst.underlying]: price.div(p.mark).minus(1).toFixed(40) });
    const atShown = run<WhatIfResult>(shared, 'accounts.whatif', { id, shocks: shockTo(shown) });
    const past = run<WhatIfResult>(shared, 'accounts.whatif', { id, shocks: shockTo(beyond) });
    assert.equal(atShown.positions.find((x) => x.instrument === p.instrument)!.mark, shown.toFixed());
    assert.equal(past.positions.find((x) => x.instrument === p.instrument)!.mark, beyond.toFixed());
    assert.ok(rank(atShown.figures.status) < rank('call'), `${id} ${p.instrument} at ${shown}: ${atShown.figures.status}`);
    assert.ok(rank(past.figures.status) >= rank('call'), `${id} ${p.instrument} past ${shown}: ${past.figures.status}`);
    assert.notEqual(past.figures.call, null);
  }
  assert.ok(tried >= 1, 'no healthy account with a position alone on its underlying');
});

test('accounts.whatif with no shock equals the detail; a BTC crash hurts a BTC-long account', () => {
  for (const id of sampleAccounts().slice(0, 12)) {
    const d = run<AccountDetail>(shared, 'accounts.detail', { id });
    const w = run<WhatIfResult>(shared, 'accounts.whatif', { id, shocks: {} });
    assert.deepEqual(w, { shocks: {}, figures: d.figures, positions: d.positions, collateral: d.collateral, commodities: [] });
  }
  // An account long BTC in every BTC instrument it holds, and healthy now.
  const instruments = new Map(readInstruments(shared).map((x) => [x.id, x]));
  const c = table1.columns;
  let id: string | undefined;
  let d: AccountDetail | undefined;
  for (let i = 0; i < c.id.length && !id; i++) {
    if (c.status[i] !== 'healthy') continue;
    const x = run<AccountDetail>(shared, 'accounts.detail', { id: c.id[i]! });
    const btc = x.positions.filter((p) => instruments.get(p.instrument)!.underlying === 'BTC');
    if (btc.length > 0 && btc.every((p) => !p.quantity.startsWith('-'))) [id, d] = [c.id[i]!, x];
  }
  assert.ok(id && d, 'no BTC-long account');
  const w = run<WhatIfResult>(shared, 'accounts.whatif', { id, shocks: { BTC: '-0.5' } });
  assert.deepEqual(w.shocks, { BTC: '-0.5' });
  assert.ok(new D(w.figures.equity).lt(d.figures.equity), `${w.figures.equity} vs ${d.figures.equity}`);
  assert.ok(new D(w.figures.health!).lt(d.figures.health!));
  assert.ok(rank(w.figures.status) >= rank(d.figures.status));
  // Collateral: a BTC holding moves with the BTC shock (half-even to the asset's price unit), the rest stays, and the
  // figures' collateral value is the sum of the holdings' values.
  w.collateral.forEach((h, k) => {
    const before = d.collateral[k]!;
    assert.equal(h.asset, before.asset);
    if (h.asset !== 'BTC') return assert.deepEqual(h, before);
    const dp = before.price.includes('.') ? before.price.split('.')[1]!.length : 0;
    assert.equal(new D(h.price).toFixed(dp), new D(before.price).mul('0.5').toDecimalPlaces(dp, Decimal.ROUND_HALF_EVEN).toFixed(dp));
  });
  assert.equal(new D(w.figures.collateral).toFixed(6), w.collateral.reduce((x, h) => x.plus(h.value), new D(0)).toFixed(6));
  // Each BTC mark moved by -50%, rounded half-even to its tick; everything else is where it was.
  w.positions.forEach((p, k) => {
    const before = d.positions[k]!;
    const inst = instruments.get(p.instrument)!;
    // Other positions keep their figures; only their liquidation and bankruptcy prices move (the account's other upnl
    // did, and with it the equity both rest on).
    const own = (x: typeof p) => ({ ...x, liquidationPrice: null, liquidation: null, bankruptcyPrice: null });
    if (inst.underlying !== 'BTC') return assert.deepEqual(own(p), own(before));
    const ticks = new D(before.mark).div(inst.tick);
    assert.equal(p.mark, ticks.mul('0.5').toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).mul(inst.tick).toFixed());
    assert.ok(new D(p.upnl).lt(before.upnl));
  });
  // An odd shock: every mark still lands on its tick, half-even.
  const odd = run<WhatIfResult>(shared, 'accounts.whatif', { id, shocks: { BTC: '0.0123456789', ETH: '-0.33333', NDX: '+0.07' } });
  const move: Record<string, string> = { BTC: '1.0123456789', ETH: '0.66667', NDX: '1.07' };
  odd.positions.forEach((p, k) => {
    const inst = instruments.get(p.instrument)!;
    const ticks = new D(d.positions[k]!.mark).div(inst.tick);
    assert.equal(p.mark, ticks.mul(move[inst.underlying]!).toDecimalPlaces(0, Decimal.ROUND_HALF_EVEN).mul(inst.tick).toFixed(), p.instrument);
  });
});

test('accounts.detail: a liquidation price is shown only where it means one, rounded to the tick toward the trigger', () => {
  const instruments = new Map(readInstruments(shared).map((x) => [x.id, x]));
  const seen = { price: 0, passed: 0, none: 0, rootOnWrongSide: 0 };
  for (const id of sampleAccounts()) {
    const d = run<AccountDetail>(shared, 'accounts.detail', { id });
    for (const p of d.positions) {
      const inst = instruments.get(p.instrument)!;
      const long = !p.quantity.startsWith('-');
      const l = p.liquidation;
      seen[l.state]++;
      assert.ok(l.text.length > 20, l.text);
      const below = p.isolated ? new D(p.isolated.equity).lt(p.isolated.mm) : new D(d.figures.equity).lt(d.figures.mm);
      if (p.liquidationPrice !== null && (long ? new D(p.liquidationPrice).gt(p.mark) : new D(p.liquidationPrice).lt(p.mark))) {
        // A root on the recovery side of the mark (a long's above it) is never shown as a liquidation price.
        seen.rootOnWrongSide++;
        assert.equal(l.state, 'passed', `${id} ${p.instrument}: root ${p.liquidationPrice} at mark ${p.mark}`);
      }
      if (below) assert.equal(l.state, 'passed', `${id} ${p.instrument} is under MM`);
      if (l.state === 'price') {
        assert.equal(l.price, roundLiqPriceToTick(p.liquidationPrice!, inst.tick, long ? 1 : -1));
        assert.ok(long ? new D(l.price!).lte(p.mark) : new D(l.price!).gte(p.mark), `${id} ${p.instrument}: ${l.price} vs ${p.mark}`);
        assert.ok(new D(l.price!).div(inst.tick).isInteger(), `${l.price} is on the tick ${inst.tick}`);
      } else assert.equal(l.price, null);
      if (l.state === 'none') assert.equal(p.liquidationPrice, null);
    }
  }
  assert.ok(seen.price > 50 && seen.passed > 0 && seen.rootOnWrongSide > 0, JSON.stringify(seen));
});

test('accounts.whatif: an ETH shock moves ETH held as collateral, and the loss counts it', () => {
  const c = table1.columns;
  let checked = 0;
  for (let i = 0; i < c.id.length && checked < 3; i++) {
    const id = c.id[i]!;
    const d = run<AccountDetail>(shared, 'accounts.detail', { id });
    const eth = d.collateral.find((h) => h.asset === 'ETH');
    if (!eth || new D(eth.quantity).lte(0)) continue;
    const w = run<WhatIfResult>(shared, 'accounts.whatif', { id, shocks: { ETH: '-0.15' } });
    const after = w.collateral.find((h) => h.asset === 'ETH')!;
    assert.equal(after.quantity, eth.quantity);
    assert.equal(new D(after.price).toFixed(2), new D(eth.price).mul('0.85').toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2));
    assert.ok(new D(after.value).lt(eth.value), `${id}: ETH collateral ${eth.value} -> ${after.value}`);
    const collateralLoss = new D(d.figures.collateral).minus(w.figures.collateral);
    assert.ok(collateralLoss.eq(new D(eth.value).minus(after.value)), `${id}: the collateral loss is the ETH holding's`);
    // The equity change is the positions' P&L under the shock plus that collateral loss.
    const upnl = (ps: { upnl: string; isolated: unknown }[]) => ps.filter((p) => !p.isolated).reduce((x, p) => x.plus(p.upnl), new D(0));
    assert.ok(new D(d.figures.equity).minus(w.figures.equity).eq(collateralLoss.plus(upnl(d.positions)).minus(upnl(w.positions))), id);
    checked++;
  }
  assert.ok(checked > 0, 'an account holds ETH collateral');
});

test('the read channels leave the journal and every table as they were', () => {
  const head = journalHead(shared);
  const before = dumpLedger(shared);
  const changes = shared.prepare('SELECT total_changes()').pluck().get();
  const id = table1.columns.id.find((_, i) => table1.columns.status[i] === 'call' || table1.columns.status[i] === 'liquidation')!;
  run(shared, 'accounts.whatif', { id, shocks: { BTC: '-0.9', ETH: '3', NDX: '-0.5' } });
  run(shared, 'accounts.whatif', { id, shocks: {} });
  run(shared, 'accounts.detail', { id, historyCycles: 5 });
  run(shared, 'accounts.list', {});
  run(shared, 'dashboard.summary', {}, addMinutes(DEMO_AS_OF, 600));
  run(shared, 'instruments.list', {});
  run(shared, 'prices.history', { instruments: ['BTC-PERP'] });
  assert.throws(() => run(shared, 'accounts.whatif', { id, shocks: { BTC: '-1' } }), InputError);
  assert.equal(shared.prepare('SELECT total_changes()').pluck().get(), changes);
  assert.deepEqual(journalHead(shared), head);
  assert.equal(dumpLedger(shared), before);
});

test('instruments.list and prices.history', () => {
  const list = run<InstrumentView[]>(shared, 'instruments.list', {});
  const insts = readInstruments(shared);
  assert.equal(list.length, insts.length);
  assert.deepEqual(
    list,
    insts.map((x) => ({ id: x.id, kind: x.kind, underlying: x.underlying, lot: x.lot, tick: x.tick, multiplier: x.multiplier })),
  );
  const nq = insts.find((x) => x.id === 'NQH26')!;
  const rows = shared.prepare("SELECT at, mark FROM prices WHERE instrument_id = 'NQH26' ORDER BY at").raw().all() as [string, bigint][];
  assert.ok(rows.length > 20);

  const all = run<PriceSeries[]>(shared, 'prices.history', { instruments: ['NQH26', 'BTC-PERP'] });
  assert.deepEqual(all.map((s) => s.instrument), ['NQH26', 'BTC-PERP']);
  assert.equal(all[0]!.points.length, Math.min(500, rows.length));
  assert.deepEqual(
    all[0]!.points,
    rows.slice(-500).map(([at, mark]) => ({ at, mark: new D(String(mark)).mul(nq.tick).toFixed() })),
  );
  for (const s of all) for (let i = 1; i < s.points.length; i++) assert.ok(s.points[i - 1]!.at < s.points[i]!.at, 'oldest first');
  assert.equal(all[1]!.points.at(-1)!.at, DEMO_AS_OF);

  const last10 = run<PriceSeries[]>(shared, 'prices.history', { instruments: ['NQH26'], limit: 10 });
  assert.equal(last10[0]!.points.length, 10);
  assert.deepEqual(last10[0]!.points, all[0]!.points.slice(-10));
});

test('bad input names its field', () => {
  const id = table1.columns.id[0]!;
  throwsField(() => run(shared, 'accounts.detail', { id: 'NO-SUCH-ACCOUNT' }), 'id');
  throwsField(() => run(shared, 'accounts.detail', { id: 'bad id!' }), 'id');
  throwsField(() => run(shared, 'accounts.detail', { id, historyCycles: 0 }), 'historyCycles');
  throwsField(() => run(shared, 'accounts.whatif', { id: 'NO-SUCH-ACCOUNT', shocks: {} }), 'id');
  throwsField(() => run(shared, 'accounts.whatif', { id, shocks: { DOGE: '-0.1' } }), 'shocks.DOGE');
  throwsField(() => run(shared, 'accounts.whatif', { id, shocks: { BTC: '-0.1', ETH: '-1' } }), 'shocks.ETH');
  throwsField(() => run(shared, 'accounts.whatif', { id, shocks: { NDX: '-1.5' } }), 'shocks.NDX');
  throwsField(() => run(shared, 'accounts.whatif', { id, shocks: { BTC: 'ten percent' } }), 'shocks.BTC');
  throwsField(() => run(shared, 'accounts.whatif', { id }), 'shocks');
  // Just above -1 is a legal (if brutal) shock.
  assert.equal(run<WhatIfResult>(shared, 'accounts.whatif', { id, shocks: { BTC: '-0.999' } }).shocks.BTC, '-0.999');
  throwsField(() => run(shared, 'prices.history', { instruments: ['BTC-PERP', 'NOPE'] }), 'instruments[1]');
  throwsField(() => run(shared, 'prices.history', { instruments: [] }), 'instruments');
  throwsField(() => run(shared, 'prices.history', { instruments: ['BTC-PERP'], limit: 0 }), 'limit');
  throwsField(() => run(shared, 'dashboard.summary', { historyCycles: 1.5 }), 'historyCycles');
  assert.throws(() => run(shared, 'accounts.list', { page: 2 }), (e: unknown) => e instanceof InputError && /unknown field "page"/.test(e.message));
});

test('a cycle records the span of marks it used, and the dashboard warns when they are stale', () => {
  const db = demoLedger(60);
  // At the marks' own time: nothing stale.
  const fresh = runCycle(db, DEMO_AS_OF);
  assert.deepEqual(fresh.prices, { oldest: DEMO_AS_OF, newest: DEMO_AS_OF, oldestInstrument: fresh.prices.oldestInstrument });
  assert.ok(fresh.prices.oldestInstrument);
  const d1 = run<DashboardSummary>(db, 'dashboard.summary', {});
  assert.deepEqual(d1.prices, fresh.prices);
  assert.ok(!d1.alerts.some((a) => /marks up to/.test(a.text)));
  // Ten days later with no new prices: the same marks, now ten days old, and a warning that says so.
  const later = addMinutes(DEMO_AS_OF, 10 * 24 * 60);
  const stale = runCycle(db, later);
  assert.equal(stale.prices.newest, DEMO_AS_OF);
  const d2 = run<DashboardSummary>(db, 'dashboard.summary', {});
  const warn = d2.alerts.find((a) => /marks up to 10 days old/.test(a.text));
  assert.ok(warn, JSON.stringify(d2.alerts.map((a) => a.text)));
  assert.equal(warn.level, 'warning');
  db.close();
});
