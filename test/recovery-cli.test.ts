// `riskdesk waterfall` and `riskdesk adl` end to end: the real CLI as a child process on the published examples
// (docs/examples), with the exact output, and bad input refused with exit code 2 and the field named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parseAmount } from '../shared/units.ts';
import { readCycleResults } from '../main/ledger/cycleResults.ts';
import { ROOT, riskdesk, riskdeskAs, tempDir, withLedger, type CliResult } from './support/cli.ts';

const T = { timeout: 60_000 };
const example = (name: string) => path.join(ROOT, 'docs', 'examples', name);

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, r.describe());
  assert.equal(r.stderr, '', r.describe());
  return r;
}

test('waterfall --json on the published example: every layer exhausted in turn, the VM haircut partly used', T, async () => {
  const r = ok(await riskdesk(['waterfall', '--input', example('waterfall-input.json'), '--json']));
  const layer = (name: string, available: string, used: string, remaining: string) => ({ name, available, used, remaining });
  assert.deepEqual(r.json(), {
    layers: [
      layer('defaulterMargin', '310000000', '310000000', '0'),
      layer('defaulterDefaultFund', '60000000', '60000000', '0'),
      layer('ccpFirstTranche', '50000000', '50000000', '0'),
      // 150,000,000 + 85,000,000 + 12,345,678.91 + 42,000,000.37 (the defaulter's own 60,000,000 is layer 2)
      layer('defaultFund', '289345679.28', '289345679.28', '0'),
      layer('ccpSecondTranche', '25000000', '25000000', '0'),
      // caps: 2.75 x 150M, 2.75 x 85M, 2.75 x 12,345,678.91 = 33,950,617.0025 down to the cent, 1 x 42,000,000.37 (M5's own multiple)
      layer('assessments', '722200617.37', '722200617.37', '0'),
      {
        // 10,000,000.333333 left over gains of 18,000,000 : 6,500,000.25 : 900,000 -> ...698.44, ...649.64, ...984.92 micro-USD;
        // the two micro-USD left by the floors go to the largest remainders (.92 and .64).
        ...layer('vmGainsHaircut', '25400000.25', '10000000.333333', '15399999.916667'),
        allocations: [
          { account: 'M1-H', amount: '7086614.339698' },
          { account: 'M2-C7', amount: '2559055.27665' },
          { member: 'M4', amount: '354330.716985' },
        ],
      },
      {
        ...layer('socialisedLoss', '0', '0', '0'),
        allocations: ['M1', 'M2', 'M4', 'M5'].map((member) => ({ member, amount: '0' })),
      },
    ],
    members: [
      { id: 'M1', defaultFundUsed: '150000000', assessment: '412500000.00', assessmentCap: '412500000.00' },
      { id: 'M2', defaultFundUsed: '85000000', assessment: '233750000.00', assessmentCap: '233750000.00' },
      { id: 'M3', defaultFundUsed: '60000000', assessment: '0.00', assessmentCap: '0.00' },
      { id: 'M4', defaultFundUsed: '12345678.91', assessment: '33950617.00', assessmentCap: '33950617.00' },
      { id: 'M5', defaultFundUsed: '42000000.37', assessment: '42000000.37', assessmentCap: '42000000.37' },
    ],
    uncovered: '0',
  });
});

test('adl --json on the published example: the position at its bankruptcy price first, the last close partial', T, async () => {
  const r = ok(await riskdesk(['adl', '--input', example('adl-input.json'), '--json']));
  // Mark 61,250.5. S-04 is at its bankruptcy price in profit (infinite leverage); S-02 ranks 0.2578, S-01 and S-05
  // tie at 0.1403 (the smaller id first), S-03 is at a loss (-0.0098). 3.75 = 1.25 + 2 + 0.5 of S-01's 1.5.
  assert.deepEqual(r.json(), {
    ranking: ['ACC-S-04', 'ACC-S-02', 'ACC-S-01', 'ACC-S-05', 'ACC-S-03'],
    closes: [
      { account: 'ACC-S-04', quantity: '1.25', price: '61800' },
      { account: 'ACC-S-02', quantity: '2', price: '61800' },
      { account: 'ACC-S-01', quantity: '0.5', price: '61800' },
    ],
    unfilled: '0',
  });
});

test('without --json both print readable tables', T, async () => {
  const w = ok(await riskdesk(['waterfall', '--input', example('waterfall-input.json')])).stdout;
  assert.match(w, /^layer\s+available\s+used\s+remaining$/m);
  assert.match(w, /^vmGainsHaircut\s+25400000\.25\s+10000000\.333333\s+15399999\.916667$/m);
  assert.match(w, /^uncovered \(resolution gap\): 0$/m);
  assert.match(w, /^M4\s+12345678\.91\s+33950617\.00\s+33950617\.00$/m);
  assert.match(w, /^account M2-C7\s+2559055\.27665$/m);
  const a = ok(await riskdesk(['adl', '--input', example('adl-input.json')])).stdout;
  assert.match(a, /^1\s+ACC-S-04\s+1\.25\s+61800$/m);
  assert.match(a, /^5\s+ACC-S-03$/m);
  assert.match(a, /^unfilled: 0$/m);
});

test('bad input exits 2, names the field, and prints nothing on stdout', T, async (t) => {
  const dir = tempDir(t);
  const write = (name: string, value: unknown) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value));
    return file;
  };
  const waterfall = JSON.parse(fs.readFileSync(example('waterfall-input.json'), 'utf8'));
  const adl = JSON.parse(fs.readFileSync(example('adl-input.json'), 'utf8'));
  const cases: [string[], RegExp][] = [
    [['waterfall', '--input', write('w1.json', { ...waterfall, defaulter: 'M9' })], /field defaulter: "M9" is not one of the members/],
    [
      ['waterfall', '--input', write('w2.json', { ...waterfall, members: waterfall.members.map((m: any, i: number) => (i === 3 ? { ...m, defaultFund: '-1' } : m)) })],
      /field members\[3\]\.defaultFund: waterfall: expected a non-negative decimal string/,
    ],
    [
      ['waterfall', '--input', write('w3.json', { ...waterfall, policy: { recoveryTools: ['vmGainsHaircut', 'adl'] } })],
      /field policy\.recoveryTools\[1\]: .*adl is not a tool of the standalone waterfall/,
    ],
    [['waterfall', '--input', write('w4.json', '{ "defaulter": ')], /w4\.json: not valid JSON/],
    [['waterfall', '--input', path.join(dir, 'missing.json')], /file not found/],
    [['waterfall'], /--input is required/],
    [
      ['adl', '--input', write('a1.json', { ...adl, candidates: [...adl.candidates, { account: 'ACC-L-2', quantity: '1', entryPrice: '60000', bankruptcyPrice: '50000' }] })],
      /field candidates\[5\]\.quantity: on the same side as the bankrupt position \(long\)/,
    ],
    [['adl', '--input', write('a2.json', { ...adl, mark: '61,250.5' })], /field mark: adl: expected a non-negative decimal string/],
  ];
  for (const [args, re] of cases) {
    const r = await riskdesk(args);
    assert.equal(r.code, 2, r.describe());
    assert.match(r.stderr, re, r.describe());
    assert.equal(r.stdout, '', r.describe());
  }
});

test('default and stress on a ledger: four eyes, close-out, waterfall, stress with Cover-2, exit codes', T, async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'ledger.db');
  const at = (min: number) => new Date(Date.parse('2026-03-12T21:00:00Z') + min * 60_000).toISOString();
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '200', '--seed', '7', '--now', at(-60)]));
  ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', at(0), '--now', at(0)]));
  // Changes need a signed-in user; the declaration needs a second, different supervisor.
  const noUser = await riskdesk(['default', 'declare', '--db', db, '--member', 'TWC', '--reason', 'missed settlement', '--now', at(1)]);
  assert.equal(noUser.code, 2, noUser.describe());
  const declared = ok(await riskdeskAs('supervisor', ['default', 'declare', '--db', db, '--member', 'TWC', '--reason', 'missed settlement', '--json', '--now', at(1)])).json();
  assert.equal(declared.status, 'pending_second');
  const same = await riskdeskAs('supervisor', ['default', 'confirm', '--db', db, '--case', String(declared.id), '--now', at(2)]);
  assert.equal(same.code, 1, same.describe());
  assert.match(same.stderr, /second, different supervisor/);
  const bad = await riskdeskAs('supervisor2', ['default', 'confirm', '--db', db, '--case', 'x', '--now', at(2)]);
  assert.equal(bad.code, 2, bad.describe());
  assert.match(bad.stderr, /--case must be a case number/);
  ok(await riskdeskAs('supervisor2', ['default', 'confirm', '--db', db, '--case', String(declared.id), '--now', at(3)]));
  const out = ok(await riskdeskAs('supervisor', ['default', 'close-out', '--db', db, '--case', String(declared.id), '--json', '--now', at(4)])).json();
  assert.equal(out.status, 'closed_out');
  const w = ok(await riskdeskAs('supervisor', ['default', 'waterfall', '--db', db, '--case', String(declared.id), '--now', at(5)])).stdout;
  assert.match(w, /^layer\s+available\s+used\s+remaining$/m);
  assert.match(w, /^defaulterMargin\s/m);
  assert.match(w, /^residual after assessments: /m);
  const shown = ok(await riskdesk(['default', 'show', '--db', db, '--case', String(declared.id), '--json'])).json();
  assert.deepEqual(shown.timeline.map((e: { kind: string }) => e.kind), ['declared', 'confirmed', 'closed_out', 'waterfall']);
  const members = ok(await riskdesk(['default', 'members', '--db', db, '--json'])).json();
  assert.equal(members.find((m: { id: string }) => m.id === 'TWC').status, 'defaulted');
  withLedger(db, (l) => assert.equal(l.prepare("SELECT status FROM members WHERE id = 'TWC'").pluck().get(), 'defaulted'));

  const r = ok(await riskdesk(['stress', '--db', db, '--json'])).json();
  const worst = r.scenarios.find((s: { id: string }) => s.id === r.cover2.scenario);
  const cents = (s: string) => parseAmount(s, 'test');
  assert.equal(cents(r.cover2.amount), cents(worst.members[0].uncovered) + cents(worst.members[1].uncovered));
  const human = ok(await riskdesk(['stress', '--db', db, '--scenario', 'hist-2020-03-12,demo-violent-day'])).stdout;
  assert.match(human, /^scenario\s+kind\s+cover-1\s+cover-2/m);
  assert.match(human, /^Cover-2: \d/m);
  const unknown = await riskdesk(['stress', '--db', db, '--scenario', 'nope']);
  assert.equal(unknown.code, 2, unknown.describe());
  assert.match(unknown.stderr, /field scenarios\[0\]: no scenario "nope"/);
});

test('CLI: a port waits in the inbox of a second supervisor, who confirms it with riskdesk approvals confirm', T, async (t) => {
  const dir = tempDir(t);
  const db = path.join(dir, 'desk.db');
  const at = (min: number) => new Date(Date.parse('2026-03-12T21:00:00Z') + min * 60_000).toISOString();
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '200', '--seed', '7', '--now', at(-60)]));
  ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', at(0), '--now', at(0)]));
  const declared = JSON.parse(ok(await riskdeskAs('supervisor', ['default', 'declare', '--db', db, '--member', 'TWC', '--reason', 'failed settlement', '--json', '--now', at(1)])).stdout) as { id: number };
  ok(await riskdeskAs('supervisor2', ['default', 'confirm', '--db', db, '--case', String(declared.id), '--now', at(2)]));
  const healthy = withLedger(db, (d) => {
    const r = readCycleResults(d, Number(d.prepare('SELECT max(id) FROM margin_cycles').pluck().get()));
    return r.ids.find((id, i) => id.startsWith('TWC-C') && r.status[i] === 0)!;
  });
  ok(await riskdeskAs('supervisor', ['default', 'port', '--db', db, '--case', String(declared.id), '--account', healthy, '--to', 'KCM', '--now', at(3)]));
  assert.equal(withLedger(db, (d) => d.prepare('SELECT member_id FROM accounts WHERE id = ?').pluck().get(healthy)), 'TWC', 'held, not yet ported');
  const inbox = JSON.parse(ok(await riskdeskAs('supervisor2', ['inbox', '--db', db, '--json', '--now', at(4)])).stdout) as { kind: string; id: number; confirm: unknown }[];
  const item = inbox.find((i) => i.kind === 'approval')!;
  assert.ok(item.confirm, 'the second supervisor may confirm it');
  assert.equal((await riskdeskAs('supervisor', ['approvals', 'confirm', '--db', db, '--id', String(item.id), '--now', at(5)])).code, 1, 'not its requester');
  ok(await riskdeskAs('supervisor2', ['approvals', 'confirm', '--db', db, '--id', String(item.id), '--now', at(6)]));
  assert.equal(withLedger(db, (d) => d.prepare('SELECT member_id FROM accounts WHERE id = ?').pluck().get(healthy)), 'KCM');
});
