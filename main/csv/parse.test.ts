import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { InputError } from '../../shared/errors.ts';
import type { Instrument } from '../engine/model.ts';
import { formatCsv } from './format.ts';
import { parseCsv } from './parse.ts';
import { type CsvKind, type RowsByKind, layerRefs, refFromLists } from './types.ts';

const FIXTURES = new URL('../../test/fixtures/csv/', import.meta.url);
const read = (path: string): string => readFileSync(new URL(path, FIXTURES), 'utf8');

/** Parses the good fixtures in dependency order, each seeing what the earlier ones defined. */
function goodBook() {
  const empty = refFromLists({});
  const members = parseCsv('members', 'members.csv', read('good/members.csv'), empty).rows;
  const accounts = parseCsv('accounts', 'accounts.csv', read('good/accounts.csv'), refFromLists({ members })).rows;
  const assets = parseCsv('assets', 'assets.csv', read('good/assets.csv'), empty).rows;
  const haircuts = parseCsv('haircuts', 'haircuts.csv', read('good/haircuts.csv'), refFromLists({ assets })).rows;
  const instruments = parseCsv('instruments', 'instruments.csv', read('good/instruments.csv'), empty).rows;
  const ref = refFromLists({ members, accounts, assets, instruments });
  const tiers = parseCsv('tiers', 'tiers.csv', read('good/tiers.csv'), ref).rows;
  const positions = parseCsv('positions', 'positions.csv', read('good/positions.csv'), ref).rows;
  const collateral = parseCsv('collateral', 'collateral.csv', read('good/collateral.csv'), ref).rows;
  const prices = parseCsv('prices', 'prices.csv', read('good/prices.csv'), ref).rows;
  const assetPrices = parseCsv('asset-prices', 'asset-prices.csv', read('good/asset-prices.csv'), ref).rows;
  return { ref, members, accounts, assets, haircuts, instruments, tiers, positions, collateral, prices, assetPrices };
}

test('every kind parses its good fixture into model units', () => {
  const b = goodBook();
  assert.deepEqual(b.members, [
    { id: 'NGC', name: 'Northgate Clearing, LLC', status: 'active', defaultFund: 25_000_000_000_000n, assessmentMultiple: 2_000_000n },
    { id: 'HBR', name: 'Harbor Derivatives Clearing Corp.', status: 'watch', defaultFund: 4_000_000_500_000n, assessmentMultiple: 2_000_000n },
    { id: 'MER', name: 'Meridian Futures', status: 'active', defaultFund: 0n, assessmentMultiple: 2_750_000n },
  ]);
  assert.deepEqual(b.accounts[2], { id: 'HBR-C0001', member: 'HBR', kind: 'client', mode: 'isolated' });
  assert.deepEqual(b.assets[1], { id: 'USDT', quantityScale: 6, priceScale: 6, haircuts: [], liquidityClass: 'stablecoin' });
  assert.deepEqual(b.haircuts[2], {
    asset: 'BTC',
    haircuts: [
      { floor: 0n, rate: 100_000n },
      { floor: 5_000_000_000_000n, rate: 150_000n },
      { floor: 50_000_000_000_000n, rate: 250_000n },
    ],
  });
  const perp = b.instruments[0] as Instrument;
  assert.equal(perp.lotTickValue, 100n);
  assert.equal(perp.slippage, 1_000n);
  assert.equal(perp.priceBand, 100_000n);
  assert.equal(perp.expiry, null);
  const nq = b.instruments[2] as Instrument;
  assert.equal(nq.lotTickValue, 5_000_000n); // 1 x 0.25 x 20 = $5
  assert.equal(nq.margin, 'tiered');
  const opt = b.instruments[3] as Instrument;
  assert.deepEqual(opt.option, { right: 'call', strike: 180_000n, underlyingInstrument: 'BTC-26JUN26', shortOptionMinimum: 25_000_000n });
  assert.equal(opt.lotTickValue, 50_000n);
  assert.equal(b.tiers.length, 2);
  assert.deepEqual(b.tiers[0]?.tiers[1], { floor: 2_000_000_000_000n, mmr: 60_000n, imr: 120_000n });
  assert.deepEqual(b.positions[0], {
    account: 'NGC-H01',
    instrument: 'BTC-PERP',
    quantity: 1500n,
    entryValue: 96_000_150_000n, // 1.5 x 64000.1 = 96000.15 USD
    isolatedMargin: null,
  });
  assert.deepEqual(b.positions[1]?.quantity, -3n);
  assert.deepEqual(b.positions[1]?.entryValue, -1_260_735_000_000n); // -3 x 21012.25 x 20
  assert.deepEqual(b.positions[3]?.isolatedMargin, 2_000_000_000n);
  assert.deepEqual(b.positions[4]?.quantity, -25n);
  assert.deepEqual(b.collateral.map((c) => c.quantity), [150_000_025n, 1_250_000_000n, 25_000_123_456n, -10_000n, 0n, 1n]);
  assert.deepEqual(b.prices[0], { instrument: 'BTC-PERP', at: '2026-03-12T16:00:00Z', mark: 605_123n, impliedVol: null, source: 'exchange' });
  assert.equal(b.prices[2]?.mark, 82_003n);
  assert.equal(b.prices[3]?.at, '2026-03-12T16:00:00.250Z');
  assert.equal(b.prices[3]?.impliedVol, 650_000n);
  assert.deepEqual(b.assetPrices.map((p) => p.price), [1n, 998_806n, 6_051_234n, 5_800_000n]);
  assert.equal(b.assetPrices[3]?.at, '2026-03-13T16:00:00Z');
});

test('scale conversion is exact: lot 0.001, tick 0.1, multiplier 1 gives lotTickValue 100', () => {
  const ok = parseCsv(
    'instruments',
    'i.csv',
    'id,kind,underlying,multiplier,lot,tick,expiry\nX,perpetual,BTC,1,0.001,0.1,\nY,perpetual,ETH,1.000,0.0100,0.010,\nZ,future,ES,50,1,0.25,2026-06-19T13:30:00Z\n',
    refFromLists({}),
  ).rows;
  assert.deepEqual(ok.map((i) => i.lotTickValue), [100n, 100n, 12_500_000n]);
  assert.deepEqual(ok.map((i) => [i.multiplier, i.lot, i.tick]), [['1', '0.001', '0.1'], ['1', '0.01', '0.01'], ['50', '1', '0.25']]);
});

interface Bad {
  file: string;
  kind: CsvKind;
  row: number;
  column?: string;
  reason: RegExp;
}

const BAD: Bad[] = [
  { file: 'prices-missing-column.csv', kind: 'prices', row: 0, column: 'mark', reason: /required column "mark" is missing/ },
  { file: 'accounts-unknown-column.csv', kind: 'accounts', row: 0, column: 'colour', reason: /unknown column "colour"/ },
  { file: 'accounts-bad-enum.csv', kind: 'accounts', row: 2, column: 'kind', reason: /"hedge" is not a valid kind: use one of house, client/ },
  { file: 'members-exponent.csv', kind: 'members', row: 1, column: 'default_fund', reason: /not a decimal number: exponent notation is not allowed/ },
  { file: 'members-thousands.csv', kind: 'members', row: 1, column: 'default_fund', reason: /thousands separators are not allowed/ },
  { file: 'members-out-of-range.csv', kind: 'members', row: 1, column: 'default_fund', reason: /outside the exact range/ },
  { file: 'positions-fractional-lot.csv', kind: 'positions', row: 1, column: 'quantity', reason: /1\.0005 is not a whole number of lots: .*lots of 0\.001/ },
  { file: 'collateral-too-many-decimals.csv', kind: 'collateral', row: 1, column: 'quantity', reason: /100\.001 has more than 2 decimal places/ },
  { file: 'prices-off-tick.csv', kind: 'prices', row: 2, column: 'mark', reason: /mark 60512\.35 is not a multiple of instrument BTC-PERP's tick 0\.1/ },
  { file: 'positions-unknown-account.csv', kind: 'positions', row: 2, column: 'account', reason: /account "NOPE" does not exist/ },
  { file: 'accounts-unknown-member.csv', kind: 'accounts', row: 1, column: 'member', reason: /member "NOPE" does not exist/ },
  { file: 'collateral-duplicate.csv', kind: 'collateral', row: 3, column: 'asset', reason: /duplicate holding for account NGC-H01 and asset USD \(first given at row 1\)/ },
  { file: 'instruments-lot-tick-value.csv', kind: 'instruments', row: 1, column: 'tick', reason: /0\.000000001 x 0\.0000000001 x 0\.000001 = 0\.0000000000000000000000001 USD is finer than 10\^-24 USD/ },
  { file: 'tiers-floors-not-increasing.csv', kind: 'tiers', row: 3, column: 'floor', reason: /duplicate tier for instrument BTC-PERP at floor 2000000 \(first given at row 2\)/ },
  { file: 'tiers-mmr-above-imr.csv', kind: 'tiers', row: 1, column: 'mmr', reason: /maintenance must not exceed initial/ },
  { file: 'tiers-first-floor.csv', kind: 'tiers', row: 1, column: 'floor', reason: /first tier of instrument BTC-PERP must have floor 0/ },
  { file: 'positions-isolated-on-cross.csv', kind: 'positions', row: 1, column: 'isolated_margin', reason: /cross mode: isolated_margin must be empty/ },
  { file: 'positions-entry-value.csv', kind: 'positions', row: 1, column: 'entry_price', reason: /64\.0000001 USD is not a whole number of micro-USD/ },
  { file: 'prices-bad-time.csv', kind: 'prices', row: 1, column: 'at', reason: /"2026-02-30T16:00:00Z" is not a real time/ },
  { file: 'accounts-field-count.csv', kind: 'accounts', row: 2, column: 'mode', reason: /the row has 3 fields but the header has 4/ },
  { file: 'accounts-bad-quote.csv', kind: 'accounts', row: 2, reason: /not well-formed CSV/ },
  { file: 'collateral-debit-not-cash.csv', kind: 'collateral', row: 1, column: 'quantity', reason: /debit\) is allowed only for cash assets; BTC has liquidity class crypto/ },
  { file: 'members-empty.csv', kind: 'members', row: 0, reason: /the file is empty: a header row is required/ },
];

for (const bad of BAD) {
  test(`bad fixture ${bad.file} is refused with file, row, column and reason`, () => {
    const { ref } = goodBook();
    assert.throws(
      () => parseCsv(bad.kind, bad.file, read(`bad/${bad.file}`), ref),
      (e: unknown) => {
        assert.ok(e instanceof InputError, `expected InputError, got ${String(e)}`);
        assert.equal(e.where.file, bad.file);
        assert.equal(e.where.row, bad.row);
        assert.equal(e.where.column, bad.column);
        assert.match(e.message, bad.reason);
        const at = [bad.file, `row ${bad.row}`, ...(bad.column ? [`column ${bad.column}`] : [])].join(', ');
        assert.ok(e.message.startsWith(`${at}: `), `message "${e.message}" should start with "${at}: "`);
        return true;
      },
    );
  });
}

test('the refused file yields nothing even when its good rows come first', () => {
  const { ref } = goodBook();
  let result: RowsByKind['prices'] | undefined;
  assert.throws(() => {
    result = parseCsv('prices', 'p.csv', read('bad/prices-off-tick.csv'), ref).rows;
  }, InputError);
  assert.equal(result, undefined);
});

test('a quantity with more decimals than the lot allows is refused; trailing zeros are not extra decimals', () => {
  const { ref } = goodBook();
  const head = 'account,instrument,quantity,entry_price\n';
  assert.throws(() => parseCsv('positions', 'p.csv', `${head}NGC-H01,BTC-PERP,0.0001,64000\n`, ref), /not a whole number of lots/);
  const ok = parseCsv('positions', 'p.csv', `${head}NGC-H01,BTC-PERP,0.0010000,64000\n`, ref).rows;
  assert.equal(ok[0]?.quantity, 1n);
  assert.equal(ok[0]?.entryValue, 64_000_000n);
});

test('isolated accounts need isolated_margin on each position', () => {
  const { ref } = goodBook();
  const csv = 'account,instrument,quantity,entry_price,isolated_margin\nHBR-C0001,BTC-PERP,1,64000,\n';
  assert.throws(() => parseCsv('positions', 'p.csv', csv, ref), /isolated mode: each of its positions needs an isolated_margin/);
});

test('instruments: option columns only on options, expiry rules, references to earlier rows of the same file', () => {
  const empty = refFromLists({});
  const head = 'id,kind,underlying,multiplier,lot,tick,expiry,option_right,strike,underlying_instrument\n';
  assert.throws(() => parseCsv('instruments', 'i.csv', `${head}P,perpetual,BTC,1,0.001,0.1,2026-06-26T08:00:00Z,,,\n`, empty), /a perpetual has no expiry/);
  assert.throws(() => parseCsv('instruments', 'i.csv', `${head}F,future,BTC,1,0.001,0.1,,,,\n`, empty), /a future needs an expiry/);
  assert.throws(() => parseCsv('instruments', 'i.csv', `${head}F,future,BTC,1,0.001,0.1,2026-06-26T08:00:00Z,call,,\n`, empty), /option_right applies only to options/);
  assert.throws(
    () => parseCsv('instruments', 'i.csv', `${head}O,option,BTC,1,0.1,0.5,2026-06-26T08:00:00Z,call,90000.25,\n`, empty),
    /strike 90000\.25 is not a multiple of the tick 0\.5/,
  );
  const rows = parseCsv(
    'instruments',
    'i.csv',
    `${head}F,future,BTC,1,0.001,0.5,2026-06-26T08:00:00Z,,,\nO,option,BTC,1,0.1,0.5,2026-06-26T08:00:00Z,put,80000,F\n`,
    empty,
  ).rows;
  assert.equal(rows[1]?.option?.underlyingInstrument, 'F');
  assert.throws(
    () => parseCsv('instruments', 'i.csv', `${head}O,option,ETH,1,0.1,0.5,2026-06-26T08:00:00Z,put,80000,BTC-PERP\n`, goodBook().ref),
    /BTC-PERP is on BTC, not on this option's underlying ETH/,
  );
});

test('tiers: rates must not fall, imr at most 1; tiers only for tiered instruments', () => {
  const { ref } = goodBook();
  const head = 'instrument,floor,mmr,imr\n';
  assert.throws(() => parseCsv('tiers', 't.csv', `${head}BTC-PERP,0,0.05,0.1\nBTC-PERP,10,0.04,0.1\n`, ref), /rates must not decrease/);
  assert.throws(() => parseCsv('tiers', 't.csv', `${head}BTC-PERP,0,0.05,0.1\nBTC-PERP,10,0.05,0.1\nBTC-PERP,5,0.05,0.1\n`, ref), /row 3, column floor: .*strictly increasing/);
  assert.throws(() => parseCsv('tiers', 't.csv', `${head}BTC-PERP,0,0.05,1.5\n`, ref), /above 1/);
  assert.throws(() => parseCsv('tiers', 't.csv', `${head}BTC-PERP,0,0,0.1\n`, ref), /must be greater than 0/);
  // A portfolio instrument stored before imports refused them still takes no tiers.
  const old = { ...(ref.instrument('BTC-26JUN26-90000-C') as Instrument), margin: 'portfolio' as const };
  assert.throws(() => parseCsv('tiers', 't.csv', `${head}BTC-26JUN26-90000-C,0,0.05,0.1\n`, layerRefs(refFromLists({ instruments: [old] }), ref)), /uses portfolio margin/);
});

test('haircuts: floors from 0 strictly increasing, haircuts non-decreasing and below 1', () => {
  const { ref } = goodBook();
  const head = 'asset,floor,haircut\n';
  assert.throws(() => parseCsv('haircuts', 'h.csv', `${head}BTC,0,0.1\nBTC,10,0.05\n`, ref), /must not decrease/);
  assert.throws(() => parseCsv('haircuts', 'h.csv', `${head}BTC,0,1\n`, ref), /below 1/);
  assert.throws(() => parseCsv('haircuts', 'h.csv', `${head}GOLD,0,0.1\n`, ref), /asset "GOLD" does not exist/);
});

test('impact: one table per instrument, floors from 0 strictly increasing, rates non-decreasing and below 1', () => {
  const { ref } = goodBook();
  const head = 'instrument,floor,rate\n';
  const rows = parseCsv('impact', 'i.csv', `${head}BTC-PERP,0,0.001\nBTC-PERP,1000000,0.003\n`, ref).rows;
  assert.deepEqual(rows, [{ instrument: 'BTC-PERP', impact: [{ floor: 0n, rate: 1_000n }, { floor: 1_000_000_000_000n, rate: 3_000n }] }]);
  assert.throws(() => parseCsv('impact', 'i.csv', `${head}BTC-PERP,0,0.003\nBTC-PERP,10,0.001\n`, ref), /row 2, column rate: .*must not move the price less/);
  assert.throws(() => parseCsv('impact', 'i.csv', `${head}BTC-PERP,5,0.001\n`, ref), /must have floor 0/);
  assert.throws(() => parseCsv('impact', 'i.csv', `${head}BTC-PERP,0,1\n`, ref), /below 1/);
  assert.throws(() => parseCsv('impact', 'i.csv', `${head}NOPE,0,0.1\n`, ref), /instrument "NOPE" does not exist/);
});

test('layered refs see an earlier file before the ledger', () => {
  const ledger = refFromLists({});
  const earlier = refFromLists({ members: [{ id: 'M', name: 'M', status: 'active', defaultFund: 0n, assessmentMultiple: 0n }] });
  const rows = parseCsv('accounts', 'a.csv', 'id,member,kind,mode\nA,M,client,cross\n', layerRefs(earlier, ledger)).rows;
  assert.equal(rows.length, 1);
});

test('asset prices are exact at the asset price scale; times carry their zone and are kept in UTC', () => {
  const { ref } = goodBook();
  const head = 'asset,at,price\n';
  assert.throws(() => parseCsv('asset-prices', 'a.csv', `${head}BTC,2026-03-12T16:00:00Z,60000.123\n`, ref), /more than 2 decimal places/);
  // A price of 0 would make collateral worthless and the settlement asset's conversions divide by zero.
  assert.throws(() => parseCsv('asset-prices', 'a.csv', `${head}BTC,2026-03-12T16:00:00Z,60000\nUSD,2026-03-12T16:00:00Z,0\n`, ref), /row 2, column price: 0 must be greater than 0/);
  for (const at of ['2026-03-12', '2026-03-12T16:00:00', '2026-03-12 16:00', 'April 11 2026']) {
    assert.throws(() => parseCsv('asset-prices', 'a.csv', `${head}BTC,${at},60000\n`, ref), /column at: .*ISO-8601 time with Z or an offset/, at);
  }
  const rows = parseCsv('asset-prices', 'a.csv', `${head}BTC,2026-03-12T16:00:00+00:00,60000.10\nBTC,2026-03-13T01:00:00.5+09:00,60000\n`, ref).rows;
  assert.deepEqual(rows[0], { asset: 'BTC', at: '2026-03-12T16:00:00Z', price: 6_000_010n, source: null });
  assert.equal(rows[1]!.at, '2026-03-12T16:00:00.500Z');
});

test('entry_value stands in for an average price that does not terminate; exactly one of the two', () => {
  const { ref } = goodBook();
  const head = 'account,instrument,quantity,entry_price,entry_value\n';
  const rows = parseCsv('positions', 'p.csv', `${head}NGC-H01,BTC-PERP,0.003,,100\nNGC-C0001,BTC-PERP,-0.003,,-100.000001\n`, ref).rows;
  assert.deepEqual(rows.map((p) => [p.quantity, p.entryValue]), [[3n, 100_000_000n], [-3n, -100_000_001n]]);
  assert.throws(() => parseCsv('positions', 'p.csv', `${head}NGC-H01,BTC-PERP,0.003,33000,99\n`, ref), /exactly one/);
  assert.throws(() => parseCsv('positions', 'p.csv', `${head}NGC-H01,BTC-PERP,0.003,,\n`, ref), /exactly one/);
  assert.throws(() => parseCsv('positions', 'p.csv', `${head}NGC-H01,BTC-PERP,0.003,,-100\n`, ref), /sign of the quantity/);
  assert.throws(
    () => parseCsv('positions', 'p.csv', 'account,instrument,quantity\nNGC-H01,BTC-PERP,1\n', ref),
    (e: unknown) => e instanceof InputError && e.where.row === 0 && /entry_price or entry_value is required/.test(e.message),
  );
});

test('formatCsv writes what parseCsv reads back, row for row', () => {
  const b = goodBook();
  const ref = refFromLists({ ...b, instruments: b.instruments, assets: b.assets });
  const check = <K extends CsvKind>(kind: K, rows: RowsByKind[K]) => {
    const text = formatCsv(kind, rows, ref);
    assert.deepEqual(parseCsv(kind, `${kind}.csv`, text, ref).rows, rows, `${kind}:\n${text}`);
  };
  check('members', b.members);
  check('accounts', b.accounts);
  check('assets', b.assets);
  check('haircuts', b.haircuts);
  check('instruments', b.instruments);
  check('tiers', b.tiers);
  check('positions', [...b.positions, { account: 'MER-H01', instrument: 'BTC-PERP', quantity: 3n, entryValue: 100_000_000n, isolatedMargin: null }]);
  check('collateral', b.collateral);
  check('prices', b.prices);
  check('asset-prices', b.assetPrices);
  const text = formatCsv('positions', [{ account: 'A', instrument: 'BTC-PERP', quantity: 3n, entryValue: 100_000_000n, isolatedMargin: null }], ref);
  assert.equal(text, 'account,instrument,quantity,entry_price,entry_value,isolated_margin\nA,BTC-PERP,0.003,,100,\n');
  assert.match(formatCsv('members', b.members, ref), /"Northgate Clearing, LLC"/);
});
