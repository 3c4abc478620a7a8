import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { allocateWaterfall, cappedLargestRemainder, FIXED_LAYERS, type WaterfallCase, type WaterfallMember, type RecoveryTool, type VmGain } from './waterfall.ts';
import { computeWaterfall } from '../calculators/waterfall/run.ts';
import { InputError } from '../../shared/errors.ts';
import { parseAmount, formatAmount, AMOUNT_SCALE } from '../../shared/units.ts';

const usd = (s: string) => parseAmount(s, 'test');
const member = (id: string, defaultFund: string, margin = '0', assessmentMultiple?: bigint): WaterfallMember => ({
  id,
  defaultFund: usd(defaultFund),
  margin: usd(margin),
  ...(assessmentMultiple === undefined ? {} : { assessmentMultiple }),
});

/** Defaulter D (margin 100, fund 50); survivors A 300, B 100, C 200; tranches 40 and 60; multiple 2. */
const base = (closeOutLoss: string, over: Partial<WaterfallCase> = {}): WaterfallCase => ({
  defaulter: 'D',
  closeOutLoss: usd(closeOutLoss),
  members: [member('D', '50', '100'), member('A', '300'), member('B', '100'), member('C', '200')],
  firstTranche: usd('40'),
  secondTranche: usd('60'),
  assessmentMultiple: 2_000_000n,
  amountScale: 2,
  recoveryTools: [],
  vmGains: [],
  ...over,
});

const layerTable = (r: ReturnType<typeof allocateWaterfall>) => r.layers.map((l) => [l.name, formatAmount(l.available), formatAmount(l.used), formatAmount(l.remaining)]);
const memberTable = (r: ReturnType<typeof allocateWaterfall>) => r.members.map((m) => [m.id, formatAmount(m.defaultFundUsed), formatAmount(m.assessment)]);

test('methodology §8.1 CME example: a $3,330,501,971 guaranty fund at 275% gives $9,158,880,419 of assessments, to within $1', () => {
  const cme = (amountScale: number) =>
    allocateWaterfall({
      defaulter: 'X',
      closeOutLoss: usd('100000000000'), // far beyond every layer, so the assessment layer is used whole
      members: [member('X', '0'), member('CME members', '3330501971')],
      firstTranche: 0n,
      secondTranche: 0n,
      assessmentMultiple: 2_750_000n,
      amountScale,
      recoveryTools: [],
      vmGains: [],
    }).layers.find((l) => l.name === 'assessments')!;
  // 2.75 x 3,330,501,971 = 9,158,880,420.25 exactly; CME's published figure is a dollar and a quarter below that.
  assert.equal(formatAmount(cme(2).available), '9158880420.25');
  assert.equal(cme(2).used, cme(2).available);
  // Demanded in whole dollars (the cap rounds down to the amount scale) it is within $1 of CME's figure.
  const dollars = cme(0).available;
  assert.equal(formatAmount(dollars), '9158880420');
  const gap = dollars - usd('9158880419');
  assert.ok(gap >= -usd('1') && gap <= usd('1'), formatAmount(gap));
});

test('a loss through every layer: each used in order, the rest socialised pro rata to contribution', () => {
  const r = allocateWaterfall(
    base('2100', {
      recoveryTools: ['vmGainsHaircut', 'socialisedLoss'],
      vmGains: [
        { kind: 'member', id: 'A', gain: usd('30') },
        { kind: 'account', id: 'X', gain: usd('10') },
      ],
    }),
  );
  assert.deepEqual(layerTable(r), [
    ['defaulterMargin', '100', '100', '0'],
    ['defaulterDefaultFund', '50', '50', '0'],
    ['ccpFirstTranche', '40', '40', '0'],
    ['defaultFund', '600', '600', '0'],
    ['ccpSecondTranche', '60', '60', '0'],
    ['assessments', '1200', '1200', '0'],
    ['vmGainsHaircut', '40', '40', '0'],
    ['socialisedLoss', '10', '10', '0'],
  ]);
  assert.deepEqual(memberTable(r), [
    ['D', '50', '0'],
    ['A', '300', '600'],
    ['B', '100', '200'],
    ['C', '200', '400'],
  ]);
  // 10 split 3:1:2 to the micro-USD: 5, 1.6666666.. and 3.3333333..; the last micro goes to the larger remainder (B).
  assert.deepEqual(
    r.layers[7]!.allocations!.map((a) => [a.id, formatAmount(a.amount)]),
    [
      ['A', '5'],
      ['B', '1.666667'],
      ['C', '3.333333'],
    ],
  );
  assert.equal(r.uncovered, 0n);
});

test('a partly used default fund is split by the largest remainder, to the micro-USD', () => {
  // 191.000001 - 190 of the first three layers = 1.000001 over 300:100:200 = 0.5000005, 0.16666683.., 0.33333367..
  const r = allocateWaterfall(base('191.000001'));
  assert.deepEqual(layerTable(r)[3], ['defaultFund', '600', '1.000001', '598.999999']);
  assert.deepEqual(memberTable(r).map((m) => m[1]), ['50', '0.5', '0.166667', '0.333334']);
  assert.ok(r.layers.slice(4).every((l) => l.used === 0n));
});

test('assessments are demanded in whole cents, rounded up, adding up exactly to the demanded total', () => {
  // 950.001 - 850 of the first five layers = 100.001 to assess: 100.01 demanded, split 3:1:2 in cents.
  // 10001 x 3/6 = 5000.5, x 1/6 = 1666.83, x 2/6 = 3333.67: floors 5000 + 1666 + 3333 = 9999, the two cents left go to
  // the largest remainders (B .83, C .67): 50.00, 16.67, 33.34.
  const r = allocateWaterfall(base('950.001'));
  assert.deepEqual(layerTable(r)[5], ['assessments', '1200', '100.001', '1099.999']);
  assert.deepEqual(memberTable(r).map((m) => m[2]), ['0', '50', '16.67', '33.34']);
  assert.equal(r.uncovered, 0n);
  // At amount scale 6 the same assessment is exact to the micro-USD.
  const exact = allocateWaterfall(base('950.001', { amountScale: 6 }));
  assert.deepEqual(memberTable(exact).map((m) => m[2]), ['0', '50.0005', '16.666833', '33.333667']);
});

test("a capped member's excess goes to the others pro rata, never above anyone's cap", () => {
  // A's own multiple 0.5 caps it at 150; B and C at 2 x contribution (200, 400). 600 to assess: pro rata 300, 100, 200
  // puts A over its cap, so A pays 150 and the other 450 is split 1:2 between B and C.
  const members = [member('D', '50', '100'), member('A', '300', '0', 500_000n), member('B', '100'), member('C', '200')];
  const r = allocateWaterfall(base('1450', { members }));
  assert.deepEqual(memberTable(r).map((m) => m[2]), ['0', '150', '150', '300']);
  assert.deepEqual(r.members.map((m) => formatAmount(m.assessmentCap)), ['0', '150', '200', '400']);
  // Beyond the capacity (750) every member pays its cap and the rest is the resolution gap.
  const over = allocateWaterfall(base('1700', { members }));
  assert.deepEqual(memberTable(over).map((m) => m[2]), ['0', '150', '200', '400']);
  assert.equal(formatAmount(over.uncovered), '100');
});

test('cappedLargestRemainder: caps cascade, the parts add up, ties go to the earlier entry', () => {
  // 16 over four equal weights is 4 each: the first two are held at their caps (1, 2), the 13 left is 6.5 each.
  assert.deepEqual(cappedLargestRemainder(16n, [1n, 1n, 1n, 1n], [1n, 2n, 10n, 10n]), [1n, 2n, 7n, 6n]);
  // Holding one member at its cap can push another over its own: 10 over 1:1:2 -> 2.5, 2.5, 5; cap 1 on the first
  // -> 9 over 1:2 = 3, 6; cap 5 on the third -> 4 left to the second.
  assert.deepEqual(cappedLargestRemainder(10n, [1n, 1n, 2n], [1n, 100n, 5n]), [1n, 4n, 5n]);
  assert.deepEqual(cappedLargestRemainder(0n, [1n, 2n], [0n, 0n]), [0n, 0n]);
  assert.throws(() => cappedLargestRemainder(4n, [1n, 1n], [1n, 2n]), RangeError);
});

test('what is left after the last layer is the resolution gap; socialised loss needs contributors', () => {
  const r = allocateWaterfall(base('2100'));
  assert.equal(formatAmount(r.uncovered), '50');
  const noBase = allocateWaterfall(
    base('360', { members: [member('D', '50', '100'), member('A', '0')], recoveryTools: ['socialisedLoss'] }),
  );
  assert.deepEqual(layerTable(noBase).at(-1), ['socialisedLoss', '0', '0', '0']);
  assert.equal(formatAmount(noBase.uncovered), '110'); // 360 - 100 - 50 - 40 - 60 (no fund, no assessment capacity)
});

test('bad input is refused with the field named', () => {
  const ok = () => ({
    defaulter: 'D',
    closeOutLoss: '10',
    members: [
      { id: 'D', defaultFund: '1', margin: '2' },
      { id: 'A', defaultFund: '3' },
    ],
    ccp: { firstTranche: '0' },
    policy: { recoveryTools: ['vmGainsHaircut'] },
    vmGains: [{ account: 'X', gain: '1' }],
  });
  const cases: [(x: any) => void, RegExp][] = [
    [(x) => (x.defaulter = 'Z'), /field defaulter: "Z" is not one of the members/],
    [(x) => (x.members[1].id = 'D'), /field members\[1\]\.id: "D" repeats members\[0\]\.id/],
    [(x) => (x.members[1].defaultFund = '-3'), /field members\[1\]\.defaultFund: .*non-negative/],
    [(x) => (x.members[0].margin = '0.0000001'), /field members\[0\]\.margin: .*more than 6 decimal places/],
    [(x) => (x.closeOutLoss = 5), /field closeOutLoss/],
    [(x) => (x.members[0].extra = '1'), /field members\[0\]: .*unknown field "extra"/],
    [(x) => (x.policy.recoveryTools = ['adl']), /field policy\.recoveryTools\[0\]: .*adl .*needs the opposing positions/],
    [(x) => (x.policy.recoveryTools = ['socialisedLoss', 'socialisedLoss']), /field policy\.recoveryTools\[1\]: "socialisedLoss" repeats policy\.recoveryTools\[0\]/],
    [(x) => (x.policy.assessmentMultiple = '2.0000001'), /field policy\.assessmentMultiple: .*more than 6 decimal places/],
    [(x) => (x.policy.amountScale = 7), /field policy\.amountScale/],
    [(x) => (x.vmGains[0] = { gain: '1' }), /field vmGains\[0\]: give either member or account/],
    [(x) => (x.vmGains[0] = { member: 'Q', gain: '1' }), /field vmGains\[0\]\.member: "Q" is not one of the members/],
    [(x) => (x.vmGains[0] = { member: 'D', gain: '1' }), /field vmGains\[0\]\.member: the defaulter's gains/],
    [(x) => x.vmGains.push({ account: 'X', gain: '2' }), /field vmGains\[1\]\.account: "X" repeats vmGains\[0\]\.account/],
    [(x) => (x.members[1].defaultFund = '9000000000000'), /field members: the assessments layer's available amount is outside the exact range/],
  ];
  assert.ok(computeWaterfall(ok()));
  for (const [mutate, re] of cases) {
    const input = ok();
    mutate(input);
    assert.throws(() => computeWaterfall(input), (e: unknown) => e instanceof InputError && re.test(e.message), String(re));
  }
});

// ---- properties ---------------------------------------------------------------------------------------------------

const amountArb = fc.bigInt({ min: 0n, max: 10n ** 15n }); // up to a billion USD, in micro-USD
const arbCase: fc.Arbitrary<WaterfallCase> = fc
  .record({
    members: fc.array(
      fc.record({
        defaultFund: fc.oneof(amountArb, fc.constant(0n)),
        margin: amountArb,
        multiple: fc.option(fc.bigInt({ min: 0n, max: 5_000_000n }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 7 },
    ),
    defaulterIndex: fc.nat(),
    firstTranche: amountArb,
    secondTranche: amountArb,
    assessmentMultiple: fc.bigInt({ min: 0n, max: 5_000_000n }),
    amountScale: fc.integer({ min: 0, max: AMOUNT_SCALE }),
    recoveryTools: fc.shuffledSubarray<RecoveryTool>(['vmGainsHaircut', 'socialisedLoss']),
    vmGains: fc.array(fc.record({ account: fc.boolean(), gain: fc.oneof(amountArb, fc.constant(0n)) }), { maxLength: 5 }),
    lossPerMille: fc.integer({ min: 0, max: 1500 }),
    lossExtra: fc.bigInt({ min: 0n, max: 1_000_000n }),
  })
  .map((r) => {
    const members = r.members.map((m, i) => ({
      id: `M${(i * 7) % 10}${i}`,
      defaultFund: m.defaultFund,
      margin: m.margin,
      ...(m.multiple === undefined ? {} : { assessmentMultiple: m.multiple }),
    }));
    const defaulter = members[r.defaulterIndex % members.length]!.id;
    const survivors = members.filter((m) => m.id !== defaulter);
    const vmGains = r.vmGains.flatMap((g, i): VmGain[] =>
      g.account || survivors.length === 0
        ? [{ kind: 'account', id: `ACC${i}`, gain: g.gain }]
        : [{ kind: 'member', id: survivors[i % survivors.length]!.id, gain: g.gain }],
    );
    const seen = new Set<string>();
    const uniqueGains = vmGains.filter((g) => !seen.has(`${g.kind}:${g.id}`) && seen.add(`${g.kind}:${g.id}`));
    const everything =
      members.reduce((s, m) => s + m.defaultFund * 6n + m.margin, 0n) + r.firstTranche + r.secondTranche + uniqueGains.reduce((s, g) => s + g.gain, 0n);
    return {
      defaulter,
      closeOutLoss: (everything * BigInt(r.lossPerMille)) / 1000n + r.lossExtra,
      members,
      firstTranche: r.firstTranche,
      secondTranche: r.secondTranche,
      assessmentMultiple: r.assessmentMultiple,
      amountScale: r.amountScale,
      recoveryTools: r.recoveryTools,
      vmGains: uniqueGains,
    };
  });

const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);

test('property: layers in order, used within available and strictly in turn, uncovered = loss - sum(used) >= 0', () => {
  fc.assert(
    fc.property(arbCase, (c) => {
      const r = allocateWaterfall(c);
      assert.deepEqual(r.layers.map((l) => l.name), [...FIXED_LAYERS, ...c.recoveryTools]);
      r.layers.forEach((l, i) => {
        assert.ok(l.used >= 0n && l.used <= l.available, l.name);
        assert.equal(l.remaining, l.available - l.used);
        // A layer is used only when every earlier one is exhausted.
        if (l.used > 0n) assert.ok(r.layers.slice(0, i).every((e) => e.remaining === 0n), `${l.name} used before an earlier layer ran out`);
      });
      assert.equal(r.uncovered, c.closeOutLoss - sum(r.layers.map((l) => l.used)));
      assert.ok(r.uncovered >= 0n);
      if (r.uncovered > 0n) assert.ok(r.layers.every((l) => l.remaining === 0n), 'a gap with a layer left');
    }),
    { numRuns: 400 },
  );
});

test('property: every split adds up exactly, no member above its contribution or cap, the defaulter never assessed', () => {
  fc.assert(
    fc.property(arbCase, (c) => {
      const r = allocateWaterfall(c);
      const layer = (n: string) => r.layers.find((l) => l.name === n)!;
      const step = 10n ** BigInt(AMOUNT_SCALE - c.amountScale);
      const survivors = r.members.filter((m) => m.id !== c.defaulter);
      const input = new Map(c.members.map((m) => [m.id, m]));
      const fundW = sum(c.members.filter((m) => m.id !== c.defaulter).map((m) => m.defaultFund));

      const defaulter = r.members.find((m) => m.id === c.defaulter)!;
      assert.equal(defaulter.assessment, 0n);
      assert.equal(defaulter.defaultFundUsed, layer('defaulterDefaultFund').used);

      assert.equal(sum(survivors.map((m) => m.defaultFundUsed)), layer('defaultFund').used);
      assert.equal(sum(survivors.map((m) => m.assessment)), ((layer('assessments').used + step - 1n) / step) * step);
      assert.equal(sum(survivors.map((m) => m.assessmentCap)), layer('assessments').available);
      for (const m of survivors) {
        const w = input.get(m.id)!.defaultFund;
        const exact = layer('defaultFund').used * w; // x fundW
        assert.ok(m.defaultFundUsed <= w);
        if (fundW > 0n) assert.ok(m.defaultFundUsed * fundW - exact < fundW && exact - m.defaultFundUsed * fundW < fundW, 'fund share off a unit');
        assert.ok(m.assessment <= m.assessmentCap, `${m.id} pays above its cap`);
        assert.equal(m.assessment % step, 0n);
        assert.ok(m.assessmentCap * 1_000_000n <= w * (input.get(m.id)!.assessmentMultiple ?? c.assessmentMultiple));
      }
      for (const l of r.layers.filter((x) => x.allocations)) {
        assert.equal(sum(l.allocations!.map((a) => a.amount)), l.used, `${l.name} allocations`);
        assert.ok(l.allocations!.every((a) => a.amount >= 0n));
        assert.ok(l.allocations!.every((a) => !(a.kind === 'member' && a.id === c.defaulter)));
      }
      const vm = r.layers.find((l) => l.name === 'vmGainsHaircut');
      vm?.allocations!.forEach((a, i) => assert.ok(a.amount <= c.vmGains[i]!.gain, 'haircut above the gain'));
    }),
    { numRuns: 400 },
  );
});

test('property: the allocation does not depend on the order the members and gains are listed in', () => {
  fc.assert(
    fc.property(arbCase, fc.nat(), (c, seed) => {
      const rotate = <T>(xs: readonly T[]) => xs.map((_, i) => xs[(i + seed) % xs.length]!).reverse();
      const a = allocateWaterfall(c);
      const b = allocateWaterfall({ ...c, members: rotate(c.members), vmGains: rotate(c.vmGains) });
      const byId = <T extends { id: string; kind?: string }>(xs: readonly T[]) => [...xs].sort((x, y) => `${x.kind}:${x.id}`.localeCompare(`${y.kind}:${y.id}`));
      assert.deepEqual(byId(b.members), byId(a.members));
      assert.equal(b.uncovered, a.uncovered);
      b.layers.forEach((l, i) => {
        assert.deepEqual({ ...l, allocations: byId(l.allocations ?? []) }, { ...a.layers[i]!, allocations: byId(a.layers[i]!.allocations ?? []) });
      });
    }),
    { numRuns: 200 },
  );
});

test('a second default in the capped period: caps are a multiple of the contribution before the first, less what it assessed', () => {
  // The first default used A's and B's funds up entirely; A was assessed 150 then. Caps now: A 2 x 300 - 150 = 450,
  // B 2 x 100 = 200, C 2 x 200 = 400; assessments pro rata to the contributions as they stood (300 : 100 : 200).
  const members = [
    member('D', '50', '100'),
    { ...member('A', '0'), assessmentBase: usd('300'), assessedInPeriod: usd('150') },
    { ...member('B', '0'), assessmentBase: usd('100') },
    member('C', '200'),
  ];
  const r = allocateWaterfall(base('2000', { members }));
  const caps = Object.fromEntries(r.members.map((m) => [m.id, formatAmount(m.assessmentCap)]));
  assert.deepEqual(caps, { D: '0', A: '450', B: '200', C: '400' });
  const assessments = r.layers.find((l) => l.name === 'assessments')!;
  assert.equal(formatAmount(assessments.available), '1050');
  // 2000 - 100 - 50 - 40 - 200 (C's fund) - 60 = 1550 > 1050: every cap is called in full.
  assert.deepEqual(Object.fromEntries(r.members.map((m) => [m.id, formatAmount(m.assessment)])), { D: '0', A: '450', B: '200', C: '400' });
  // Without the base, the depleted funds would cap A and B at nothing.
  const naive = allocateWaterfall(base('2000', { members: [member('D', '50', '100'), member('A', '0'), member('B', '0'), member('C', '200')] }));
  assert.equal(formatAmount(naive.layers.find((l) => l.name === 'assessments')!.available), '400');
});
