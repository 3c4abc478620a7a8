// explain.figure on a real demo ledger after a cycle: for a random sample of accounts (and every sick one) each
// figure's trace reaches the figure the console shows (accounts.detail, the cycle's row) and the decimal.js reference
// evaluation (test/support/reference.ts, written from the methodology); prices are re-computed from the trace's own
// numbers; liquidation plan quantities are the cycle's proposals; reading a trace changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import type { AccountDetail, AccountsTable, LiquidationDetail, LiquidationSummary } from '../shared/contract.ts';
import type { FigureTrace, TraceFigure } from '../shared/contractExplain.ts';
import { readBook } from '../main/ledger/bookRepo.ts';
import { referenceEvaluate } from './support/reference.ts';
import { journalHead } from '../main/ledger/journal.ts';
import { InputError } from '../shared/errors.ts';

const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });
const viewer: Actor = { name: 'viewer', role: 'viewer' };
const operator: Actor = { name: 'operator', role: 'operator' };
const run = <T>(db: Ledger, channel: string, payload: unknown, actor: Actor = viewer) => dispatch({ db, actor, now: () => new Date(DEMO_AS_OF) }, channel, payload) as T;
const explain = (db: Ledger, account: string, figure: TraceFigure, instrument?: string) =>
  run<FigureTrace>(db, 'explain.figure', instrument === undefined ? { account, figure } : { account, figure, instrument });
const micro = (v: bigint) => new D(v.toString()).div(1_000_000).toString();
const same = (a: string | null, b: string | null, what: string) => assert.equal(a === null ? null : new D(a).toString(), b === null ? null : new D(b).toString(), what);
const price8 = (x: InstanceType<typeof D>) => x.toFixed(8, Decimal.ROUND_HALF_EVEN);

const db = demoLedgers('riskdesk-explain-', 300)();
run(db, 'cycle.run', { at: DEMO_AS_OF }, operator);
const grid = run<AccountsTable>(db, 'accounts.list', {});
const reference = new Map(referenceEvaluate(readBook(db, DEMO_AS_OF).book).map((r) => [r.id, r]));

/** Accounts holding portfolio-margined positions (the demo's options desk): the reference evaluation is tiered only. */
const scanned = (() => {
  const { book } = readBook(db, DEMO_AS_OF);
  const portfolio = new Set(book.instruments.filter((x) => x.margin === 'portfolio').map((x) => x.id));
  return new Set(book.positions.filter((p) => portfolio.has(p.instrument)).map((p) => p.account));
})();

/** A seeded random sample of accounts, and every account the cycle found in trouble (tiered ones: see scanned). */
const sample = (() => {
  const ids = grid.columns.id;
  const picked = new Set(fc.sample(fc.integer({ min: 0, max: ids.length - 1 }), { seed: 21, numRuns: 40 }).map((i) => ids[i]!));
  grid.columns.status.forEach((s, i) => s !== 'healthy' && s !== 'warning' && picked.add(ids[i]!));
  return [...picked].filter((id) => !scanned.has(id)).sort();
})();

function lastStep(t: FigureTrace): string | null {
  return t.steps.length ? t.steps[t.steps.length - 1]!.value : null;
}

test('every account figure traced reaches the console\'s figure, the cycle\'s row and the reference evaluation', () => {
  assert.ok(sample.length >= 40, `${sample.length} accounts`);
  const head = journalHead(db);
  let calls = 0;
  for (const id of sample) {
    const detail = run<AccountDetail>(db, 'accounts.detail', { id });
    const row = grid.columns.id.indexOf(id);
    const ref = reference.get(id)!;
    const iso = ref.positions.filter((p) => p.isolated);
    const sum = (f: (u: { equity: bigint; mm: bigint; im: bigint }) => bigint) => f(ref) + iso.reduce((a, p) => a + f(p.isolated!), 0n);
    const expected: Record<'mm' | 'im' | 'equity' | 'call' | 'health', string | null> = {
      mm: micro(sum((u) => u.mm)),
      im: micro(sum((u) => u.im)),
      equity: micro(sum((u) => u.equity)),
      call: ref.callAmount === null ? null : micro(ref.callAmount),
      health: detail.figures.health,
    };
    for (const f of ['mm', 'im', 'equity', 'call', 'health'] as const) {
      const t = explain(db, id, f);
      assert.equal(t.account, id);
      assert.equal(t.asOf, DEMO_AS_OF);
      same(t.value, expected[f], `${id} ${f} against the reference`);
      same(t.value, f === 'health' ? detail.figures.health : detail.figures[f], `${id} ${f} against accounts.detail`);
      if (f !== 'health') same(t.value, grid.columns[f][row]!, `${id} ${f} against the cycle's row`);
      assert.equal(lastStep(t), t.value, `${id} ${f}: the last step is the figure`);
      assert.ok(t.formula.length > 0 && /methodology §\d/.test(t.section));
      if (f === 'call' && t.value !== null) {
        // A call opens down to what it rests on: the marks with their time and source, and the tier rows.
        assert.ok(t.inputs.some((i) => / mark$/.test(i.name) && / at \d{4}-\d\d-\d\dT.*\(source /.test(i.source)), `${id} call: a mark and its time`);
        assert.ok(t.inputs.some((i) => / tier \d+$/.test(i.name) && /^instrument_tiers row/.test(i.source)), `${id} call: a tier row`);
        calls++;
      }
    }
    // Health from the reference's worst unit, to 8 places half-even (methodology §5).
    const units = [ref, ...iso.map((p) => p.isolated!)].filter((u) => u.mm !== 0n);
    if (units.length === 1 + iso.length && units.length > 0) {
      const worst = units.map((u) => new D(u.equity.toString()).div(u.mm.toString())).reduce((a, b) => (b.lt(a) ? b : a));
      assert.equal(explain(db, id, 'health').value, price8(worst), `${id} health`);
    }
    // Per position: its MM and IM and their notional, against the reference.
    for (const p of ref.positions) {
      const t = explain(db, id, 'mm', p.instrument);
      same(t.value, micro(p.mm), `${id} ${p.instrument} MM`);
      same(t.steps.find((s) => s.label === `${p.instrument} notional`)!.value, micro(p.notional), `${id} ${p.instrument} notional`);
      same(explain(db, id, 'im', p.instrument).value, micro(p.im), `${id} ${p.instrument} IM`);
    }
  }
  assert.ok(calls > 5, `${calls} calls traced`);
  assert.equal(journalHead(db).hash, head.hash, 'reading traces journals nothing');
});

test('a portfolio account\'s MM and IM traced: its tiered positions, then each combined commodity, reaching the console\'s figure and the cycle\'s row', () => {
  assert.ok(scanned.size > 0, 'the demo book has portfolio accounts');
  for (const id of scanned) {
    const detail = run<AccountDetail>(db, 'accounts.detail', { id });
    const row = grid.columns.id.indexOf(id);
    for (const f of ['mm', 'im'] as const) {
      const t = explain(db, id, f);
      same(t.value, detail.figures[f], `${id} ${f} against accounts.detail`);
      same(t.value, grid.columns[f][row]!, `${id} ${f} against the cycle's row`);
      assert.ok(t.steps.some((x) => / commodity (MM|IM)$/.test(x.label)), `${id} ${f}: a commodity step`);
      assert.equal(lastStep(t), t.value);
    }
  }
});

test('liquidation and bankruptcy prices traced are the positions\' and re-compute from the trace\'s own numbers', () => {
  let lp = 0;
  let bp = 0;
  for (const id of sample) {
    const detail = run<AccountDetail>(db, 'accounts.detail', { id });
    for (const p of detail.positions) {
      const l = explain(db, id, 'liquidationPrice', p.instrument);
      assert.equal(l.value, p.liquidationPrice, `${id} ${p.instrument} liquidation price`);
      if (l.value !== null) {
        lp++;
        const num = new D(l.steps.find((s) => s.label === 'numerator')!.value!);
        const den = new D(l.steps.find((s) => s.label === 'denominator')!.value!);
        assert.equal(price8(num.div(den)), l.value, `${id} ${p.instrument}: numerator / denominator`);
        if (p.liquidation.price !== null) assert.equal(l.steps.find((s) => s.label === 'LP shown')!.value, p.liquidation.price);
      }
      const b = explain(db, id, 'bankruptcyPrice', p.instrument);
      assert.equal(b.value, p.bankruptcyPrice, `${id} ${p.instrument} bankruptcy price`);
      if (b.value === null) continue;
      bp++;
      // From the inputs: BP = (q x mark x multiplier - floor(TNC x |MM_position| / TMMR)) / (q x multiplier) (methodology §7).
      const input = (prefix: string) => b.inputs.find((i) => i.name.startsWith(prefix))!;
      const pos = input(`${p.instrument} position`);
      const q = new D(/quantity (-?[\d.]+)/.exec(pos.value)![1]!);
      const mult = new D(/multiplier ([\d.]+)/.exec(pos.source)![1]!);
      const mark = new D(input(`${p.instrument} mark`).value);
      const tnc = new D(input('TNC').value);
      const tmmr = new D(input('TMMR').value);
      const pmm = new D(input(`${p.instrument} MM`).value);
      const value = q.mul(mark).mul(mult).mul(1e6).floor().div(1e6);
      const share = tmmr.isZero() ? new D(0) : tnc.mul(pmm).div(tmmr).mul(1e6).floor().div(1e6);
      assert.equal(price8(value.sub(share).div(q.mul(mult))), b.value, `${id} ${p.instrument}: bankruptcy price from its inputs`);
    }
  }
  assert.ok(lp > 10 && bp > 10, `${lp} liquidation and ${bp} bankruptcy prices traced`);
});

test('plan quantities traced are the quantities of the cycle\'s proposals', () => {
  const proposals = run<LiquidationSummary[]>(db, 'liquidations.list', {});
  assert.ok(proposals.length > 0, 'the demo cycle proposes liquidations');
  let orders = 0;
  for (const s of proposals.slice(0, 25)) {
    const d = run<LiquidationDetail>(db, 'liquidations.get', { id: s.id });
    for (const o of d.orders) {
      const t = explain(db, d.account, 'planQuantity', o.instrument);
      same(t.value, o.proposedQuantity, `${d.account} ${o.instrument} plan quantity`);
      assert.equal(lastStep(t), t.value);
      orders++;
    }
  }
  assert.ok(orders > 0);
  // A healthy account has no plan, and says so.
  const healthy = grid.columns.id[grid.columns.status.indexOf('healthy')]!;
  const inst = run<AccountDetail>(db, 'accounts.detail', { id: healthy }).positions[0]!.instrument;
  const none = explain(db, healthy, 'planQuantity', inst);
  assert.equal(none.value, null);
  assert.match(none.note!, /needs no liquidation/);
});

test('bad requests are refused by name and change nothing', () => {
  const head = journalHead(db);
  const refused = (payload: unknown, field: string) =>
    assert.throws(() => run(db, 'explain.figure', payload), (e: unknown) => e instanceof InputError && (e.where.field ?? '').startsWith(field));
  refused({ account: 'NOPE', figure: 'mm' }, 'account');
  refused({ account: sample[0], figure: 'margin' }, 'figure');
  refused({ account: sample[0], figure: 'liquidationPrice' }, 'instrument');
  refused({ account: sample[0], figure: 'equity', instrument: 'BTC-PERP' }, 'instrument');
  assert.equal(journalHead(db).hash, head.hash);
});

test('riskdesk explain: the same trace as JSON, and as text with the formula, the inputs and the steps', async () => {
  const { riskdeskAs } = await import('./support/cli.ts');
  const { openLedger } = await import('../main/ledger/db.ts');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-explain-cli-')), 'l.db');
  await db.backup(file);
  const copy = openLedger(file);
  const id = sample[0]!;
  const direct = explain(copy, id, 'mm');
  copy.close();
  const j = await riskdeskAs('viewer', ['explain', '--db', file, '--account', id, '--figure', 'mm', '--json']);
  assert.equal(j.code, 0, j.stderr);
  assert.deepEqual(JSON.parse(j.stdout), direct);
  const t = await riskdeskAs('viewer', ['explain', '--db', file, '--account', id, '--figure', 'mm']);
  assert.equal(t.code, 0, t.stderr);
  assert.match(t.stdout, new RegExp(`Maintenance margin of ${id}: ${direct.value!.replace('.', '\\.')} USD`));
  assert.match(t.stdout, /methodology §3/);
  assert.match(t.stdout, /instrument_tiers row/);
  const bad = await riskdeskAs('viewer', ['explain', '--db', file, '--account', id, '--figure', 'liquidationPrice']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /instrument/);
});
