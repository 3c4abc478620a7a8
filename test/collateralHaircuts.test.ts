// Collateral haircuts by liquidity class and concentration (docs/collateral-haircuts.md): the page's worked example
// to the micro-dollar, then a demo ledger under such a policy, set through four eyes: the cycle, the Accounts detail,
// the explain trace and the resident book all take the effective haircut, which the decimal.js reference (reading
// the policy, not the compiled schedule) confirms; and the policy's controls refuse bad values and a lone supervisor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Book } from '../main/engine/model.ts';
import { DEFAULT_POLICY } from '../main/engine/model.ts';
import { effectiveHaircuts, parseConcentration, DEFAULT_CONCENTRATION, type HaircutBasis } from '../main/engine/haircutRules.ts';
import { bracketAmount } from '../main/engine/tierMath.ts';
import { evaluateAccounts } from '../main/engine/evaluate.ts';
import { referenceEvaluate } from './support/reference.ts';
import { demoLedgers } from './support/ledger.ts';
import { minuteClock, supervisor, operator, viewer } from './support/actors.ts';
import { setPolicy } from './support/policy.ts';
import { readBook, readAssets, LATEST } from '../main/ledger/bookRepo.ts';
import { DEMO_ASSETS } from '../main/demo/catalog.ts';
import { ResidentBook } from '../main/resident/residentBook.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { InputError, RuleError } from '../shared/errors.ts';
import type { AccountDetail, AccountsTable, ResidentCheck } from '../shared/contract.ts';
import type { FigureTrace } from '../shared/contractExplain.ts';
import type { PolicyEntryView } from '../shared/contractPolicy.ts';
import { formatAmount, parseAmount } from '../shared/units.ts';
import { policyValue } from '../main/ledger/policyRepo.ts';

const readPolicyValue = (db: Parameters<typeof policyValue>[0]) => policyValue(db, 'concentrationHaircuts');

const USD = (x: number | string): bigint => parseAmount(String(x), 'usd');
const PCT = (x: number): bigint => BigInt(Math.round(x * 10_000));
const BTC_SCHEDULE = DEMO_ASSETS.find((a) => a.id === 'BTC')!.haircuts;

const exampleBasis: HaircutBasis = {
  schedule: BTC_SCHEDULE,
  liquidityClass: 'crypto',
  classMinimum: PCT(12),
  classKey: 'classHaircut:crypto',
  dailyVolume: USD(20_000_000),
  volumeKey: 'dailyVolume:BTC',
  concentration: parseConcentration(DEFAULT_CONCENTRATION),
  policyVersion: 3,
};

test('worked example: the effective BTC schedule under a crypto minimum of 12% and a $20M daily volume', () => {
  const { brackets, rules } = effectiveHaircuts('BTC', exampleBasis);
  assert.deepEqual(
    brackets.map((b) => [formatAmount(b.floor), Number(b.rate) / 10_000]),
    [['0', 12], ['2000000', 17], ['5000000', 30], ['10000000', 45], ['50000000', 55], ['250000000', 70]],
  );
  assert.deepEqual(rules.map((r) => [r.scheduleRow, r.raisedToClass, r.step]), [[1, true, 0], [1, true, 1], [2, false, 2], [2, false, 3], [3, false, 3], [4, false, 3]]);
  assert.match(rules[1]!.text, /raised to the crypto class minimum 12% \(classHaircut:crypto\)/);
  assert.match(rules[1]!.text, /\+5% concentration: holding value from \$2,000,000 = 0\.1 × daily volume \$20,000,000 \(concentrationHaircuts step 1, dailyVolume:BTC\)/);
  assert.match(rules[1]!.text, /= 17%; policy v3$/);
  // 100 BTC at $60,000: 2,000,000 x 12% + 3,000,000 x 17% + 1,000,000 x 30% = 1,050,000.
  assert.equal(bracketAmount(brackets, USD(6_000_000)), USD(1_050_000));
  assert.equal(bracketAmount(BTC_SCHEDULE, USD(6_000_000)), USD(650_000));
});

test('worked example: the margin engine and the reference (reading the policy) both value 100 BTC at $4,950,000', () => {
  const { brackets, rules } = effectiveHaircuts('BTC', exampleBasis);
  const book: Book = {
    policy: DEFAULT_POLICY,
    instruments: [],
    assets: [{ id: 'BTC', quantityScale: 8, priceScale: 2, liquidityClass: 'crypto', haircuts: brackets, haircutBasis: exampleBasis, haircutRules: rules }],
    accounts: [{ id: 'A1', member: 'M1', kind: 'house', mode: 'cross' }],
    positions: [],
    collateral: [{ account: 'A1', asset: 'BTC', quantity: 100n * 10n ** 8n }],
    marks: new Map(),
    assetPrices: new Map([['BTC', 6_000_000n]]),
  };
  const [engine] = evaluateAccounts(book);
  const [oracle] = referenceEvaluate(book);
  assert.equal(engine!.collateralValue, USD(4_950_000));
  assert.deepEqual(engine, oracle);
  // The reference really reads the policy: drop the basis and it takes the compiled schedule as an own schedule,
  // which must give the same figure; give it the bare schedule and the figure is the schedule's alone.
  assert.equal(referenceEvaluate({ ...book, assets: [{ ...book.assets[0]!, haircuts: BTC_SCHEDULE, haircutRules: undefined }] })[0]!.collateralValue, USD(4_950_000));
  assert.equal(referenceEvaluate({ ...book, assets: [{ ...book.assets[0]!, haircuts: BTC_SCHEDULE, haircutBasis: undefined }] })[0]!.collateralValue, USD(5_350_000));
});

test('a demo ledger under a class minimum and concentration add-ons: cycle, detail, trace and resident book take the effective haircut', () => {
  const db = demoLedgers('riskdesk-haircuts-', 120)();
  const { run } = minuteClock();
  // The largest BTC holding of the book: the daily volume is set so that it lies beyond the second threshold.
  const before = readBook(db, LATEST).book;
  const btc = before.collateral.filter((c) => c.asset === 'BTC' && c.quantity > 0n).sort((x, y) => (y.quantity > x.quantity ? 1 : -1))[0]!;
  const gross = (btc.quantity * before.assetPrices.get('BTC')! * 1_000_000n) / 10n ** 10n;
  setPolicy(run, db, 'classHaircut:crypto', '0.12');
  setPolicy(run, db, 'dailyVolume:BTC', formatAmount(gross * 3n));
  const [a] = readAssets(db).filter((x) => x.id === 'BTC');
  assert.equal(a!.haircutBasis!.policyVersion, 2);
  assert.equal(a!.haircutBasis!.dailyVolume, gross * 3n);

  const resident = new ResidentBook(db);
  const cycle = run<{ id: number; asOf: string }>(db, operator, 'cycle.run', {});
  const book = readBook(db, cycle.asOf).book;
  const reference = new Map(referenceEvaluate(book).map((r) => [r.id, r]));
  const grid = run<AccountsTable>(db, viewer, 'accounts.list', {});
  const k = grid.columns.id.indexOf(btc.account);

  // The Accounts detail: the holding's haircut, its rule (step 2, the class minimum not binding above $5M), and the
  // collateral total the reference gives.
  const detail = run<AccountDetail>(db, viewer, 'accounts.detail', { id: btc.account });
  const row = detail.collateral.find((c) => c.asset === 'BTC')!;
  assert.equal(detail.figures.collateral, formatAmount(reference.get(btc.account)!.collateralValue));
  assert.equal(USD(row.haircut) + USD(row.value), gross);
  assert.match(row.haircutRule!, /concentrationHaircuts step 2, dailyVolume:BTC\).*policy v2$/);
  // The cycle's equity is the reference's (an isolated account's own units are added by both alike).
  const ref = reference.get(btc.account)!;
  const isolated = ref.positions.reduce((s, p) => s + (p.isolated?.equity ?? 0n), 0n);
  assert.equal(grid.columns.equity[k], formatAmount(ref.equity + isolated));

  // The explain trace of equity names the rule as the source of the haircut bracket.
  const trace = run<FigureTrace>(db, viewer, 'explain.figure', { account: btc.account, figure: 'equity' });
  const input = trace.inputs.find((i) => i.name.startsWith('BTC haircut bracket'))!;
  assert.match(input.source, /effective haircut schedule of BTC.*concentrationHaircuts step 2/);

  // The resident book, loaded under the policy, agrees with a full evaluation, and reads the book again on a change.
  const check = () => dispatch({ db, actor: operator, now: () => new Date(Date.parse(cycle.asOf) + 3_600_000), resident }, 'resident.check', {}) as ResidentCheck;
  assert.equal(check().ok, true);
  const loads = resident.loads;
  setPolicy(run, db, 'concentrationHaircuts', '0.05:0.1');
  assert.equal(check().ok, true);
  assert.ok(resident.loads > loads, 'a policy change reads the resident book again');
  const after = run<AccountDetail>(db, viewer, 'accounts.detail', { id: btc.account }).collateral.find((c) => c.asset === 'BTC')!;
  assert.ok(USD(after.haircut) !== USD(row.haircut), 'the new schedule changes the haircut');
  assert.match(after.haircutRule!, /concentrationHaircuts step 1.*policy v3$/);
});

test('the collateral policy refuses malformed schedules, unknown assets and classes, and one supervisor alone', () => {
  const db = demoLedgers('riskdesk-haircuts-bad-', 20)();
  const { run } = minuteClock();
  const ask = (key: string, value: string) => run<PolicyEntryView>(db, supervisor, 'policies.change', { key, value, reason: 'test' });
  for (const [value, why] of [
    ['0.2:0.05,0.1:0.1', /step 2 ratio 0\.1 is not above step 1's 0\.2/],
    ['0.1:0.2,0.2:0.1', /step 2 add-on 0\.1 is below step 1's 0\.2/],
    ['0.1:1.5', /add-on 1\.5 is above 1/],
    ['0:0.1', /ratio 0 must be above 0/],
    ['ten percent', /is not ratio:addOn/],
  ] as const) {
    assert.throws(() => ask('concentrationHaircuts', value), (e: unknown) => e instanceof InputError && /policy concentrationHaircuts/.test(e.message) && why.test(e.message));
  }
  assert.throws(() => ask('dailyVolume:NOPE', '1000'), (e: unknown) => e instanceof InputError && /no asset NOPE/.test(e.message));
  assert.throws(() => ask('classHaircut:equity', '0.1'), (e: unknown) => e instanceof InputError && /no liquidity class equity/.test(e.message));
  assert.throws(() => ask('classHaircut:crypto', '1.5'), InputError);
  // The way around the control: the supervisor who asked confirms it alone. Refused; nothing changes.
  const asked = ask('dailyVolume:BTC', '1000000');
  assert.throws(() => run(db, supervisor, 'approvals.confirm', { id: asked.pending!.approval }), RuleError);
  assert.equal(readAssets(db).find((a) => a.id === 'BTC')!.haircutBasis!.dailyVolume, null);
  // A schedule written loosely is stored in one spelling.
  setPolicy(run, db, 'concentrationHaircuts', '0.10:0.050, 0.3:0.1');
  assert.equal(readPolicyValue(db), '0.1:0.05,0.3:0.1');
});
