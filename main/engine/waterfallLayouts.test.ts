// Worked example of docs/default-management.md "Layouts", to the micro-dollar: one default of $100, laid out as a
// clearinghouse's waterfall and as a crypto venue's, by the same engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runLayout, type LayoutCase } from './waterfallLayouts.ts';

const M = 1_000_000n; // one dollar in micro-USD

const example: LayoutCase = {
  waterfall: {
    defaulter: 'D',
    closeOutLoss: 100n * M,
    members: [
      { id: 'A', defaultFund: 40n * M, margin: 0n },
      { id: 'B', defaultFund: 60n * M, margin: 0n },
      { id: 'D', defaultFund: 10n * M, margin: 30n * M },
    ],
    firstTranche: 5n * M,
    secondTranche: 0n,
    assessmentMultiple: 2_000_000n,
    amountScale: 2,
  },
  insuranceFund: 50n * M,
  recovery: { vmGains: [], adl: [], survivors: [{ member: 'A', defaultFund: 40n * M }, { member: 'B', defaultFund: 60n * M }] },
  ccpTools: ['socialisedLoss'],
  cryptoTools: ['socialisedLoss'],
};

const used = (r: ReturnType<typeof runLayout>) => r.layers.map((l) => [l.name, l.used / M]);

test('CCP layout: margin 30, defaulter fund 10, first tranche 5, survivors\' fund 55 (A 22, B 33); nothing left', () => {
  const r = runLayout('ccp', example);
  assert.deepEqual(used(r), [
    ['defaulterMargin', 30n],
    ['defaulterDefaultFund', 10n],
    ['ccpFirstTranche', 5n],
    ['defaultFund', 55n],
    ['ccpSecondTranche', 0n],
    ['assessments', 0n],
    ['socialisedLoss', 0n],
  ]);
  assert.deepEqual(Object.fromEntries(r.members), { D: 40n * M, A: 22n * M, B: 33n * M });
  assert.equal(r.house, 5n * M);
  assert.equal(r.uncovered, 0n);
});

test('crypto layout: margin 30, insurance fund 50, socialised loss 20 pro rata 40:60 (A 8, B 12)', () => {
  const r = runLayout('crypto', example);
  assert.deepEqual(used(r), [['defaulterMargin', 30n], ['insuranceFund', 50n], ['socialisedLoss', 20n]]);
  assert.deepEqual(Object.fromEntries(r.members), { D: 30n * M, A: 8n * M, B: 12n * M });
  assert.equal(r.house, 50n * M);
  assert.equal(r.uncovered, 0n);
});

test('crypto layout with ADL and an empty queue: the loss past the insurance fund is left uncovered, never invented', () => {
  const r = runLayout('crypto', { ...example, insuranceFund: 0n, cryptoTools: ['adl'] });
  assert.deepEqual(used(r), [['defaulterMargin', 30n], ['insuranceFund', 0n], ['adl', 0n]]);
  assert.equal(r.uncovered, 70n * M);
  // A negative fund balance is no layer at all.
  assert.equal(runLayout('crypto', { ...example, insuranceFund: -5n * M }).layers[1]!.available, 0n);
});
