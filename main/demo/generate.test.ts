import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';
import { formatCsv } from '../csv/format.ts';
import { parseCsv } from '../csv/parse.ts';
import { type CsvKind, type RowsByKind, refFromLists } from '../csv/types.ts';
import { ACCOUNT_STATUSES, type AccountStatus, type Book } from '../engine/model.ts';
import { STATUS_RANK } from '../engine/results.ts';
import { DEFAULT_DATA_DIR } from './market.ts';
import { DEMO_USERS, type DemoBook, HISTORY_DAYS, bookAtLastMark, generateDemoBook } from './generate.ts';

const AS_OF = '2026-03-12T21:00:00Z';
const D = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_EVEN });
type Dec = InstanceType<typeof D>;

/** A canonical dump: every field, bigints as strings, in order. */
function digest(b: DemoBook): string {
  const json = JSON.stringify(b, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return createHash('sha256').update(json).digest('hex');
}

test('the same seed gives the same book; another seed another book', () => {
  const a = generateDemoBook({ accounts: 400, seed: 42, asOf: AS_OF });
  const b = generateDemoBook({ accounts: 400, seed: 42, asOf: AS_OF });
  assert.deepEqual(a, b);
  assert.equal(digest(a), digest(b));
  const c = generateDemoBook({ accounts: 400, seed: 43, asOf: AS_OF });
  assert.notEqual(digest(a), digest(c));
  assert.notDeepEqual(a.positions, c.positions);
});

// ---- An independent decimal.js evaluation of results.ts semantics, for the last mark.

const ceil = (x: Dec): Dec => x.toDecimalPlaces(0, Decimal.ROUND_CEIL);
const floor = (x: Dec): Dec => x.toDecimalPlaces(0, Decimal.ROUND_FLOOR);

/** ceil((x x rate_n - cum_n) / 1e6), bracket n the last whose floor <= x; cum_n = floor_n (r_n - r_{n-1}) + cum_{n-1}. */
function bracketed(x: Dec, brackets: { floor: bigint; rate: bigint }[]): Dec {
  let cum = new D(0);
  let chosen = { rate: new D(0), cum: new D(0) };
  brackets.forEach((b, n) => {
    if (n > 0) cum = cum.plus(new D(b.floor.toString()).times(new D(b.rate.toString()).minus((brackets[n - 1] as { rate: bigint }).rate.toString())));
    if (new D(b.floor.toString()).lte(x)) chosen = { rate: new D(b.rate.toString()), cum };
  });
  return ceil(x.times(chosen.rate).minus(chosen.cum).div(1e6));
}

function statusOf(equity: Dec, mm: Dec, im: Dec, liquidationHealth: bigint): AccountStatus {
  if (equity.lt(0)) return 'bankrupt';
  if (mm.gt(0) && equity.times(1e6).lt(mm.times(liquidationHealth.toString()))) return 'liquidation';
  if (equity.lt(mm)) return 'call';
  if (equity.lt(im)) return 'warning';
  return 'healthy';
}

function oracleStatuses(book: Book): Map<string, AccountStatus> {
  const inst = new Map(book.instruments.map((i) => [i.id, i]));
  const asset = new Map(book.assets.map((a) => [a.id, a]));
  const cross = new Map(book.accounts.map((a) => [a.id, { equity: new D(0), mm: new D(0), im: new D(0) }]));
  const out = new Map<string, AccountStatus>();
  for (const c of book.collateral) {
    const a = asset.get(c.asset);
    assert.ok(a);
    const price = book.assetPrices.get(c.asset);
    assert.ok(price !== undefined);
    const gross = floor(new D(c.quantity.toString()).times(price.toString()).times(1e6).div(new D(10).pow(a.quantityScale + a.priceScale)));
    const value = gross.gt(0) ? gross.minus(bracketed(gross, a.haircuts)) : gross;
    const u = cross.get(c.account);
    assert.ok(u);
    u.equity = u.equity.plus(value);
  }
  for (const p of book.positions) {
    const i = inst.get(p.instrument);
    assert.ok(i);
    const mark = book.marks.get(p.instrument);
    assert.ok(mark !== undefined);
    const k = new D(i.lotTickValue.toString());
    const q = new D(p.quantity.toString());
    const notional = q.abs().times(mark.toString()).times(k);
    const upnl = q.times(mark.toString()).times(k).minus(p.entryValue.toString());
    const mm = bracketed(notional, i.tiers.map((t) => ({ floor: t.floor, rate: t.mmr })));
    const im = bracketed(notional, i.tiers.map((t) => ({ floor: t.floor, rate: t.imr })));
    if (p.isolatedMargin === null) {
      const u = cross.get(p.account);
      assert.ok(u);
      u.equity = u.equity.plus(upnl);
      u.mm = u.mm.plus(mm);
      u.im = u.im.plus(im);
    } else {
      const s = statusOf(upnl.plus(p.isolatedMargin.toString()), mm, im, book.policy.liquidationHealth);
      const before = out.get(p.account);
      if (!before || STATUS_RANK[s] > STATUS_RANK[before]) out.set(p.account, s);
    }
  }
  for (const [id, u] of cross) {
    const s = statusOf(u.equity, u.mm, u.im, book.policy.liquidationHealth);
    const before = out.get(id);
    if (!before || STATUS_RANK[s] > STATUS_RANK[before]) out.set(id, s);
  }
  return out;
}

function checkStatuses(demo: DemoBook): Record<AccountStatus, number> {
  const statuses = oracleStatuses(bookAtLastMark(demo));
  assert.equal(statuses.size, demo.accounts.length);
  const tally = Object.fromEntries(ACCOUNT_STATUSES.map((s) => [s, 0])) as Record<AccountStatus, number>;
  for (const s of statuses.values()) tally[s]++;
  const troubled = tally.call + tally.liquidation + tally.bankrupt;
  const share = troubled / demo.accounts.length;
  assert.ok(share >= 0.01 && share <= 0.15, `share in call or worse ${share} (${JSON.stringify(tally)})`);
  assert.ok(tally.healthy / demo.accounts.length > 0.7, `most accounts healthy: ${JSON.stringify(tally)}`);
  // The generator's own integer evaluation (reported in its notes) agrees with the decimal.js one.
  const line = ACCOUNT_STATUSES.map((s) => `${tally[s]} ${s}`).join(', ');
  assert.ok(demo.notes.some((n) => n.includes(`at the last mark: ${line}`)), `notes ${demo.notes.join(' | ')} should report ${line}`);
  return tally;
}

/** Writes every kind as CSV and reads it back through the importer's validation: same rows. */
function roundTripThroughCsv(demo: DemoBook): void {
  const ref = refFromLists(demo);
  const kinds: [CsvKind, RowsByKind[CsvKind]][] = [
    ['members', demo.members],
    ['accounts', demo.accounts],
    ['assets', demo.assets.map((a) => ({ ...a, haircuts: [] }))],
    ['haircuts', demo.assets.map((a) => ({ asset: a.id, haircuts: a.haircuts }))],
    ['instruments', demo.instruments.map(({ impact: _impact, ...i }) => ({ ...i, tiers: [] }))],
    ['tiers', demo.instruments.map((i) => ({ instrument: i.id, tiers: i.tiers }))],
    ['impact', demo.instruments.flatMap((i) => (i.impact ? [{ instrument: i.id, impact: i.impact }] : []))],
    ['positions', demo.positions],
    ['collateral', demo.collateral],
    ['prices', demo.history.map((h) => ({ ...h, impliedVol: null, source: null }))],
    ['asset-prices', demo.assetPrices.map((p) => ({ ...p, source: null }))],
  ];
  for (const [kind, rows] of kinds) {
    const text = formatCsv(kind, rows, ref);
    const back = parseCsv(kind, `demo-${kind}.csv`, text, ref);
    assert.deepEqual(back.rows, rows, `${kind} survives CSV`);
  }
}

test('a 2,000-account book: members, accounts, positions, prices on tick, exact entry values, a few in trouble', () => {
  const demo = generateDemoBook({ accounts: 2000, seed: 7, asOf: AS_OF });

  assert.equal(demo.members.length, 12);
  assert.equal(new Set(demo.members.map((m) => m.name)).size, 12);
  for (const m of demo.members) {
    assert.ok(m.defaultFund >= 1_000_000_000_000n);
    assert.equal(m.assessmentMultiple, 2_000_000n);
  }
  const funds = demo.members.map((m) => m.defaultFund).sort((a, b) => (a < b ? -1 : 1));
  assert.ok((funds[11] as bigint) >= 5n * (funds[0] as bigint), 'members of very different sizes');

  assert.equal(demo.accounts.length, 2000);
  assert.equal(new Set(demo.accounts.map((a) => a.id)).size, 2000);
  const perMember = new Map<string, number>();
  for (const a of demo.accounts) perMember.set(a.member, (perMember.get(a.member) ?? 0) + 1);
  assert.equal(perMember.size, 12);
  assert.ok(Math.max(...perMember.values()) >= 5 * Math.min(...perMember.values()), 'skewed spread over members');
  assert.ok(demo.accounts.some((a) => a.kind === 'house') && demo.accounts.some((a) => a.kind === 'client'));
  const isolated = demo.accounts.filter((a) => a.mode === 'isolated').length;
  assert.ok(isolated >= 20 && isolated <= 120, `a few percent isolated: ${isolated}`);

  const perAccount = demo.positions.length / demo.accounts.length;
  assert.ok(perAccount >= 8.5 && perAccount <= 11.5, `about 10 positions per account: ${perAccount}`);
  assert.ok(demo.positions.some((p) => p.quantity > 0n) && demo.positions.some((p) => p.quantity < 0n));
  const accountMode = new Map(demo.accounts.map((a) => [a.id, a.mode]));
  const inst = new Map(demo.instruments.map((i) => [i.id, i]));
  for (const p of demo.positions) {
    assert.notEqual(p.quantity, 0n);
    assert.equal(p.isolatedMargin !== null, accountMode.get(p.account) === 'isolated');
    // Exact entry value: quantity x entry price x lot x multiplier; the implied price is positive and on the
    // instrument's scale (a whole number of micro-USD per lot at the entry, within int64).
    const i = inst.get(p.instrument);
    assert.ok(i);
    assert.equal(p.entryValue > 0n, p.quantity > 0n);
    const price = new D(p.entryValue.toString()).div(new D(p.quantity.toString()).times(i.lot).times(i.multiplier).times(1e6));
    assert.ok(price.gt(0));
  }

  // Instruments: perpetuals and futures on BTC, ETH and the Nasdaq; 4-6 tiers, floors and rates rising.
  assert.deepEqual([...new Set(demo.instruments.map((i) => i.underlying))].sort(), ['BTC', 'ETH', 'NDX']);
  assert.ok(demo.instruments.some((i) => i.kind === 'perpetual') && demo.instruments.some((i) => i.kind === 'future'));
  assert.equal(inst.get('BTC-PERP')?.lotTickValue, 100n);
  for (const i of demo.instruments) {
    assert.ok(i.tiers.length >= 4 && i.tiers.length <= 6, `${i.id} has ${i.tiers.length} tiers`);
    assert.equal(i.kind === 'future', i.expiry !== null && i.expiry > AS_OF);
  }
  const nq = demo.instruments.find((i) => i.id.startsWith('NQ'));
  assert.deepEqual([nq?.multiplier, nq?.lot, nq?.tick, nq?.lotTickValue], ['20', '1', '0.25', 5_000_000n]);

  // History: one mark per instrument per day, the last at asOf; the violent day is the last.
  assert.equal(demo.history.length, demo.instruments.length * HISTORY_DAYS);
  assert.equal(demo.assetPrices.length, demo.assets.length * HISTORY_DAYS);
  for (const h of demo.history) assert.ok(h.mark > 0n);
  const series = (id: string) => demo.history.filter((h) => h.instrument === id);
  const btc = series('BTC-PERP');
  assert.equal(btc[btc.length - 1]?.at, AS_OF);
  const move = (s: { mark: bigint }[]) => Number(s[s.length - 1]?.mark) / Number(s[s.length - 2]?.mark) - 1;
  assert.ok(move(btc) < -0.3, `BTC falls on the last day: ${move(btc)}`);
  const lastBtc = new D((btc[btc.length - 1]?.mark as bigint).toString()).times('0.1');
  assert.ok(lastBtc.gt(20_000) && lastBtc.lt(200_000), `a realistic BTC mark: ${lastBtc.toString()}`);

  // Every price on its tick, entry values exact, tiers and haircuts well-formed: the importer's own rules.
  roundTripThroughCsv(demo);

  checkStatuses(demo);
});

test('with the real data, the last day carries the March 2020 moves', { skip: !existsSync(fileURLToPath(DEFAULT_DATA_DIR)) && 'no ../shared/data' }, () => {
  const demo = generateDemoBook({ accounts: 50, seed: 1, asOf: AS_OF });
  const lastMove = (id: string, key: 'instrument' | 'asset') => {
    const s = (key === 'instrument' ? demo.history.map((h) => ({ id: h.instrument, v: h.mark })) : demo.assetPrices.map((p) => ({ id: p.asset, v: p.price }))).filter((x) => x.id === id);
    return Number(s[s.length - 1]?.v) / Number(s[s.length - 2]?.v) - 1;
  };
  assert.ok(Math.abs(lastMove('BTC-PERP', 'instrument') - -0.372) < 0.002);
  assert.ok(Math.abs(lastMove('ETH-PERP', 'instrument') - -0.423) < 0.002);
  assert.ok(Math.abs(lastMove('NDX-PERP', 'instrument') - -0.123) < 0.002);
  assert.ok(Math.abs(lastMove('USDT', 'asset') - -0.051) < 0.002);
  assert.ok(demo.notes.some((n) => n.includes('real Bitcoin closes')));
});

test('without the data folder, a seeded random walk stands in and the notes say so', () => {
  const demo = generateDemoBook({ accounts: 1500, seed: 3, asOf: AS_OF, dataDir: '/nonexistent/riskdesk-data' });
  assert.ok(demo.notes.some((n) => n.includes('random walk')), demo.notes.join(' | '));
  const again = generateDemoBook({ accounts: 1500, seed: 3, asOf: AS_OF, dataDir: null });
  assert.equal(digest({ ...demo, notes: [] }), digest({ ...again, notes: [] }));
  checkStatuses(demo);
});

test('demo users: one per role, two supervisors, documented passwords', () => {
  assert.deepEqual(
    DEMO_USERS.map((u) => [u.name, u.role, u.password]),
    [
      ['viewer', 'viewer', 'viewer-demo'],
      ['operator', 'operator', 'operator-demo'],
      ['supervisor', 'supervisor', 'supervisor-demo'],
      ['supervisor2', 'supervisor', 'supervisor2-demo'],
      ['admin', 'admin', 'admin-demo'],
    ],
  );
  const demo = generateDemoBook({ accounts: 12, seed: 1, asOf: AS_OF });
  assert.deepEqual(demo.users, DEMO_USERS);
  assert.equal(demo.accounts.length, 12);
  assert.equal(new Set(demo.accounts.map((a) => a.member)).size, 12);
});

test('bad options are refused', () => {
  assert.throws(() => generateDemoBook({ accounts: 0, seed: 1, asOf: AS_OF }), /accounts/);
  assert.throws(() => generateDemoBook({ accounts: 10, seed: 1.5, asOf: AS_OF }), /seed/);
  assert.throws(() => generateDemoBook({ accounts: 10, seed: 1, asOf: '2026-03-12' }), /asOf/);
});
