// The metrics desks read (issue 21 item 3) on a real demo ledger after a cycle: the accounts table's margin ratio,
// utilisation and excess re-computed from its own figures in decimal.js; the nearest moves of accounts.moves equal
// to the account detail's; and each move checked by the what-if shock: a little beyond it the account is there, a
// little short of it it is not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Decimal } from 'decimal.js';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import type { AccountDetail, AccountsTable, Status, WhatIfResult } from '../shared/contract.ts';
import type { AccountsMoves } from '../shared/contractMetrics.ts';
import { STATUS_RANK } from '../main/engine/results.ts';

const D = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN });
const viewer: Actor = { name: 'viewer', role: 'viewer' };
const operator: Actor = { name: 'operator', role: 'operator' };
const run = <T>(db: Ledger, channel: string, payload: unknown, actor: Actor = viewer) => dispatch({ db, actor, now: () => new Date(DEMO_AS_OF) }, channel, payload) as T;

const db = demoLedgers('riskdesk-metrics-', 400)();
run(db, 'cycle.run', { at: DEMO_AS_OF }, operator);
const table = run<AccountsTable>(db, 'accounts.list', {});

test('accounts.list: margin ratio = MM / equity, utilisation = IM / equity (8 places, half-even), excess = equity - IM', () => {
  const c = table.columns;
  for (let i = 0; i < c.id.length; i++) {
    const e = new D(c.equity[i]!);
    const r8 = (x: string) => (e.lte(0) ? null : new D(x).div(e).toFixed(8));
    assert.equal(c.marginRatio[i], r8(c.mm[i]!), `${c.id[i]} margin ratio`);
    assert.equal(c.utilisation[i], r8(c.im[i]!), `${c.id[i]} utilisation`);
    assert.equal(new D(c.excess[i]!).toString(), e.minus(c.im[i]!).toString(), `${c.id[i]} excess`);
  }
});

test('accounts.moves: one row per account of the table, each the detail\'s nearest move; a shock a little past it gets there, a little short does not', () => {
  const m = run<AccountsMoves>(db, 'accounts.moves', {});
  assert.equal(m.cycle, table.cycle);
  assert.deepEqual(m.columns.id, table.columns.id);
  const thresholds: ['toCall' | 'toLiquidation' | 'toBankruptcy', 'call' | 'liquidation' | 'bankruptcy', Status][] = [
    ['toCall', 'call', 'call'],
    ['toLiquidation', 'liquidation', 'liquidation'],
    ['toBankruptcy', 'bankruptcy', 'bankrupt'],
  ];
  let checked = 0;
  for (let i = 0; i < m.columns.id.length; i += 7) {
    const id = m.columns.id[i]!;
    const d = run<AccountDetail>(db, 'accounts.detail', { id });
    for (const [col, which, status] of thresholds) {
      const mv = m.columns[col][i]!;
      assert.deepEqual(mv, d.metrics.nearest[which], `${id} ${which}`);
      if (mv === null || mv.percent === '0.00' || new D(mv.percent).abs().lt(1) || new D(mv.percent).abs().gt(90)) continue;
      const f = new D(mv.percent).div(100);
      const sign = f.isNeg() ? -1 : 1;
      const shock = (delta: number) => run<WhatIfResult>(db, 'accounts.whatif', { id, shocks: { [mv.underlying]: f.plus(sign * delta).toString() } });
      assert.ok(STATUS_RANK[shock(0.002).figures.status] >= STATUS_RANK[status], `${id}: ${mv.underlying} ${mv.percent}% + 0.2 points reaches ${status}`);
      assert.ok(STATUS_RANK[shock(-0.002).figures.status] < STATUS_RANK[status], `${id}: ${mv.underlying} ${mv.percent}% - 0.2 points stays short of ${status}`);
      checked++;
    }
  }
  assert.ok(checked > 20, `${checked} moves checked by shocks`);
});

test('the detail\'s moves per underlying: the nearest is the one reported, and each move is signed against the holding', () => {
  for (let i = 0; i < table.columns.id.length; i += 13) {
    const d = run<AccountDetail>(db, 'accounts.detail', { id: table.columns.id[i]! });
    for (const which of ['call', 'liquidation', 'bankruptcy'] as const) {
      const all = d.metrics.moves.filter((x) => x[which] !== null);
      if (!all.length) {
        assert.equal(d.metrics.nearest[which], null);
        continue;
      }
      const min = all.reduce((a, b) => (new D(b[which]!).abs().lt(new D(a[which]!).abs()) ? b : a));
      assert.equal(new D(d.metrics.nearest[which]!.percent).abs().toString(), new D(min[which]!).abs().toString());
    }
  }
});

test('per position: the call price is the liquidation price of methodology §5 (equity = MM), and liquidation and zero equity lie beyond it', () => {
  let same = 0;
  for (let i = 0; i < table.columns.id.length; i += 5) {
    const d = run<AccountDetail>(db, 'accounts.detail', { id: table.columns.id[i]! });
    d.positions.forEach((p, k) => {
      const x = d.metrics.positions[k]!;
      assert.equal(x.instrument, p.instrument);
      if (p.liquidation.state !== 'price' || x.call === null) return;
      assert.equal(x.call.price, p.liquidationPrice, `${d.account.id} ${p.instrument}: call price`);
      same++;
      // A long falls through call, then liquidation, then zero equity; a short rises through them.
      const long = !p.quantity.startsWith('-');
      const order = [x.call, x.liquidation, x.zeroEquity].filter((v) => v !== null).map((v) => new D(v!.price));
      for (let j = 1; j < order.length; j++) assert.ok(long ? order[j]!.lte(order[j - 1]!) : order[j]!.gte(order[j - 1]!), `${d.account.id} ${p.instrument}: ${order.map(String)}`);
    });
  }
  assert.ok(same > 10, `${same} call prices compared`);
});
