// The what-if door's input rules (issue 13), end to end: the real `riskdesk margin`, in this process, and as a process
// of its own in each time zone. Bad input exits 2 with the field named on stderr and nothing on stdout; the same input
// gives the same bytes in every time zone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, riskdesk, riskdeskProcess, tempDir, type CliResult } from './support/cli.ts';

const example = () => JSON.parse(fs.readFileSync(path.join(ROOT, 'docs', 'examples', 'margin-input.json'), 'utf8'));

/** The example with a call on BTC priced by Black-76 from the perpetual (time to expiry matters). */
export function withOption(over: Record<string, unknown> = {}) {
  const x = example();
  x.instruments.push({
    id: 'BTC-C-52000',
    kind: 'option',
    underlying: 'BTC',
    multiplier: '1',
    lot: '0.01',
    tick: '0.5',
    margin: 'tiered',
    tiers: [{ floor: '0', mmr: '0.1', imr: '0.15' }],
    right: 'call',
    strike: '52000',
    underlyingInstrument: 'BTC-PERP',
    volatility: '0.6',
    expiry: '2026-06-26T08:00:00Z',
    ...over,
  });
  x.accounts[0].positions.push({ instrument: 'BTC-C-52000', quantity: '-2', entryPrice: '3000' });
  return x;
}

/**
 * Runs `riskdesk margin --input` on the JSON (written to a temp file): in this process, or in a process of its own
 * in time zone TZ (TZ is the process's, and the what-if must not depend on it).
 */
export async function margin(t: { after(fn: () => void): void }, input: unknown, TZ?: string): Promise<CliResult> {
  const file = path.join(tempDir(t), 'input.json');
  fs.writeFileSync(file, JSON.stringify(input));
  const args = ['margin', '--input', file, '--json'];
  return TZ === undefined ? riskdesk(args) : riskdeskProcess(args, { env: { TZ } });
}

/** Exit 2, the field on stderr, nothing computed. */
export function refused(r: CliResult, field: string, why?: RegExp): void {
  assert.equal(r.code, 2, r.describe());
  assert.ok(r.stderr.includes(`field ${field}`), `names ${field}: ${r.describe()}`);
  if (why) assert.match(r.stderr, why);
  assert.doesNotMatch(r.stderr, /internal error|\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
}

test('the what-if gives the same bytes in UTC, Tokyo and New York (an option priced by Black-76)', async (t) => {
  const input = withOption({ expiry: '2026-06-26T17:00:00+09:00' });
  input.asOf = '2026-03-12T12:00:00-04:00';
  const outs: string[] = [];
  for (const TZ of ['UTC', 'Asia/Tokyo', 'America/New_York']) {
    const r = await margin(t, input, TZ);
    assert.equal(r.code, 0, r.describe());
    outs.push(r.stdout);
  }
  assert.equal(outs[1], outs[0]);
  assert.equal(outs[2], outs[0]);
  // The same instants written in UTC give the same answer.
  const utc = withOption({ expiry: '2026-06-26T08:00:00Z' });
  utc.asOf = '2026-03-12T16:00:00Z';
  assert.equal((await margin(t, utc, 'Asia/Tokyo')).stdout, outs[0]);
  const option = JSON.parse(outs[0]!).accounts[0].positions[1];
  assert.ok(Number(option.notional) > 0, 'the option has a Black-76 value');
});

test('a time without a zone, or in another shape, is refused naming the field', async (t) => {
  for (const asOf of ['2026-04-11T16:00:00', '2026-03-12 16:00', 'April 11, 2026', 'yesterday', '2026-02-30T16:00:00Z']) {
    const input = withOption();
    input.asOf = asOf;
    refused(await margin(t, input, 'Asia/Tokyo'), 'asOf', /ISO-8601|no such date/);
  }
  const x = withOption({ expiry: '2026-06-26 08:00' });
  x.asOf = '2026-03-12T16:00:00Z';
  refused(await margin(t, x), 'instruments[1].expiry');
  // Black-76 needs the time to expiry: without asOf there is none.
  const noAsOf = withOption();
  delete noAsOf.asOf;
  refused(await margin(t, noAsOf), 'asOf', /Black-76/);
});

test('an option at expiry (expiry = asOf) is valued at its intrinsic value, exactly; an expired one is refused', async (t) => {
  for (const [right, strike, value] of [['put', '52000', '2000'], ['call', '48000', '2000'], ['call', '52000', '0']] as const) {
    const input = withOption({ right, strike, expiry: '2026-03-12T16:00:00Z' });
    input.asOf = '2026-03-13T01:00:00+09:00'; // the same instant
    const r = await margin(t, input);
    assert.equal(r.code, 0, r.describe());
    const option = r.json().accounts[0].positions[1];
    // 2 contracts of multiplier 1 at max(0, +-(F - K)) with F = 50,000.
    assert.equal(option.notional, String(2 * Number(value)), `${right} ${strike}`);
  }
  const late = withOption({ expiry: '2026-03-12T15:59:59Z' });
  refused(await margin(t, late), 'instruments[1].expiry', /before asOf/);
});

test('a key given twice is refused naming both places: ids of accounts, instruments and assets, bracket floors', async (t) => {
  const cases: [(x: any) => void, string, RegExp][] = [
    [(x) => x.accounts.push({ id: 'A2' }, { id: 'A7' }, { id: 'A7', collateral: { USD: '1' } }), 'accounts[3].id', /"A7" repeats accounts\[2\]\.id/],
    [(x) => x.accounts.push({ ...x.accounts[0] }), 'accounts[1].id', /"A1" repeats accounts\[0\]\.id/],
    [(x) => x.instruments.push({ ...x.instruments[0], tiers: [{ floor: '0', mmr: '0.5', imr: '0.5' }] }), 'instruments[1].id', /"BTC-PERP" repeats instruments\[0\]\.id/],
    [(x) => x.assets.push({ id: 'USD', price: '0.5' }), 'assets[1].id', /"USD" repeats assets\[0\]\.id/],
    [(x) => x.instruments[0].tiers.push({ floor: '100000', mmr: '0.01', imr: '0.02' }, { floor: '100000.0', mmr: '0.02', imr: '0.04' }), 'instruments[0].tiers[2].floor', /"100000\.0" repeats instruments\[0\]\.tiers\[1\]\.floor/],
    [(x) => x.assets[0].haircuts.push({ floor: '0', haircut: '0.5' }), 'assets[0].haircuts[1].floor', /"0" repeats assets\[0\]\.haircuts\[0\]\.floor/],
    [(x) => (x.instruments[0].impact = [{ floor: '0', rate: '0.001' }, { floor: '0', rate: '0.01' }]), 'instruments[0].impact[1].floor', /repeats instruments\[0\]\.impact\[0\]\.floor/],
  ];
  for (const [mutate, field, why] of cases) {
    const input = example();
    mutate(input);
    refused(await margin(t, input), field, why);
  }
});

test('a rate above 1 where it has no meaning is refused naming the field: haircuts, slippage, impact, mmr/imr, fees', async (t) => {
  const cases: [(x: any) => void, string][] = [
    [(x) => (x.assets[0].haircuts[0].haircut = '2'), 'assets[0].haircuts[0].haircut'],
    [(x) => (x.assets[0].haircuts[0].haircut = '1'), 'assets[0].haircuts[0].haircut'],
    [(x) => (x.instruments[0].slippage = '2'), 'instruments[0].slippage'],
    [(x) => (x.instruments[0].impact = [{ floor: '0', rate: '1' }]), 'instruments[0].impact[0].rate'],
    [(x) => (x.instruments[0].tiers[0] = { floor: '0', mmr: '1.5', imr: '2' }), 'instruments[0].tiers[0].mmr'],
    [(x) => (x.instruments[0].tiers[0].imr = '1.2'), 'instruments[0].tiers[0].imr'],
    [(x) => (x.policy.liquidationFeeRate = '1.5'), 'policy.liquidationFeeRate'],
    [(x) => (x.policy.insuranceFeeRate = '3'), 'policy.insuranceFeeRate'],
    [(x) => (x.policy.liquidationHealth = '1.1'), 'policy.liquidationHealth'],
  ];
  for (const [mutate, field] of cases) {
    const input = example();
    input.prices['BTC-PERP'] = '40100'; // in liquidation: a plan with estimated prices and fees would be computed
    mutate(input);
    refused(await margin(t, input), field, /(above|not below) 1/);
  }
  // At the bound where it has a meaning, a rate is accepted: a 100% margin rate, a 100% fee.
  const full = example();
  full.instruments[0].tiers[0] = { floor: '0', mmr: '1', imr: '1' };
  full.policy.liquidationFeeRate = '1';
  const r = await margin(t, full);
  assert.equal(r.code, 0, r.describe());
  assert.equal(r.json().accounts[0].mm, '50000');
});

test('zero and negative prices, strikes and forwards exit 2 naming the field, never an internal error', async (t) => {
  const priced = (x: any) => {
    x.asOf = '2026-03-12T16:00:00Z';
    x.prices['BTC-PERP'] = '40100'; // in liquidation: the plan converts through the settlement asset's price
  };
  const cases: [(x: any) => void, string][] = [
    [(x) => (x.assets[0].price = '0'), 'assets[0].price'],
    [(x) => (x.assets[0].price = '0.000'), 'assets[0].price'],
    [(x) => (x.assets[0].price = '-1'), 'assets[0].price'],
    [(x) => (x.instruments[1].strike = '0'), 'instruments[1].strike'],
    [(x) => (x.prices['BTC-PERP'] = '0'), 'prices.BTC-PERP'], // the option's forward
    [(x) => (x.prices['BTC-PERP'] = '-50000'), 'prices.BTC-PERP'],
    [(x) => (x.instruments[1].underlyingInstrument = 'ETH-PERP'), 'instruments[1].underlyingInstrument'],
    [(x) => (x.prices['ETH-PERP'] = '3000'), 'prices.ETH-PERP'],
    [(x) => (x.instruments[0].lot = '0'), 'instruments[0].lot'],
    [(x) => (x.instruments[0].multiplier = '0'), 'instruments[0].multiplier'],
    [(x) => (x.instruments[0].tick = '0'), 'instruments[0].tick'],
  ];
  for (const [mutate, field] of cases) {
    const input = withOption();
    priced(input);
    mutate(input);
    refused(await margin(t, input), field);
  }
  // An option may be worth nothing.
  const worthless = withOption();
  priced(worthless);
  worthless.prices['BTC-C-52000'] = '0';
  const r = await margin(t, worthless);
  assert.equal(r.code, 0, r.describe());
  assert.equal(r.json().accounts[0].positions[1].notional, '0');
});

test('a range error names the value at fault: the holding written with 21 decimals, not another account\'s ordinary one', async (t) => {
  const input = example();
  input.accounts.push({ id: 'A2', collateral: { USD: '0.000000000000000000001' } });
  refused(await margin(t, input), 'accounts[1].collateral.USD', /21 decimal places.*accounts\[0\]\.collateral\.USD "10000" is outside the exact range/);
  // A value out of range at its own scale is named itself.
  const big = example();
  big.accounts.push({ id: 'A2', collateral: { USD: '99999999999999999999' } });
  refused(await margin(t, big), 'accounts[1].collateral.USD', /exact range/);
  // The ADL case shares one price unit the same way.
  const file = path.join(tempDir(t), 'adl.json');
  fs.writeFileSync(file, JSON.stringify({
    mark: '100',
    bankrupt: { account: 'L', quantity: '10', bankruptcyPrice: '105' },
    candidates: [
      { account: 'S1', quantity: '-4', entryPrice: '120', bankruptcyPrice: '150' },
      { account: 'S2', quantity: '-5', entryPrice: '110.0000000000000000001', bankruptcyPrice: '120' },
    ],
  }));
  refused(await riskdesk(['adl', '--input', file, '--json']), 'candidates[1].entryPrice', /19 decimal places.*mark "100" is outside/);
});
