// Every refusal a command can give is in the one table (shared/refusals.ts) and declared on its contract entry; every
// door answers a code at the table's exit code and status. The codes a handler can reach are read from the code
// (test/support/refusalReach.ts), so a new refusal deep in a command shows here until its entry says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { reachableRefusals } from './support/refusalReach.ts';
import { contract, isChannel } from '../shared/contract.ts';
import { REFUSALS, EVERY_COMMAND_REFUSES, isRefusalCode } from '../shared/refusals.ts';
import { RuleError, InputError } from '../shared/errors.ts';
import { exitCodeOf } from '../main/cli/main.ts';
import { LedgerFailure } from '../main/ledger/failures.ts';

const common = new Set<string>(EVERY_COMMAND_REFUSES);

test('each command declares exactly the refusals its handler can reach, every one in the table', () => {
  const reached = reachableRefusals();
  assert.ok(reached.size >= 100, `only ${reached.size} handlers found`);
  const problems: string[] = [];
  for (const [channel, codes] of reached) {
    if (!isChannel(channel)) {
      problems.push(`${channel}: a handler without a contract entry`);
      continue;
    }
    const declared = new Set<string>(contract[channel].refuses);
    for (const c of codes) {
      if (!isRefusalCode(c)) problems.push(`${channel}: "${c}" is not in shared/refusals.ts`);
      else if (!common.has(c) && !declared.has(c)) problems.push(`${channel}: can refuse "${c}" but its entry does not declare it`);
    }
    for (const c of declared) if (!codes.has(c)) problems.push(`${channel}: declares "${c}" but its handler cannot reach it`);
  }
  assert.deepEqual(problems, []);
});

test('no entry declares a refusal every command can meet (they are said once, in EVERY_COMMAND_REFUSES)', () => {
  for (const [channel, spec] of Object.entries(contract)) {
    for (const c of spec.refuses as readonly string[]) assert.ok(!common.has(c), `${channel} declares "${c}"`);
  }
});

test('the CLI exits with the table\'s code for a refusal of each kind', () => {
  assert.equal(exitCodeOf(new InputError('bad')), 2);
  assert.equal(exitCodeOf(new RuleError('call_closed', 'closed')), 1);
  assert.equal(exitCodeOf(new RuleError('forbidden', 'no')), 1);
  assert.equal(exitCodeOf(new LedgerFailure('ledger_busy', 'busy')), 4);
  assert.equal(exitCodeOf(new LedgerFailure('disk_full', 'full')), 5);
  assert.equal(exitCodeOf(new LedgerFailure('read_only', 'ro')), 5);
  assert.equal(exitCodeOf(new LedgerFailure('ledger_damaged', 'bad')), 6);
  assert.equal(exitCodeOf(new Error('bug')), 3);
  for (const [code, kind] of Object.entries(REFUSALS)) {
    if (code === 'bad_input' || code === 'internal') continue;
    assert.equal(exitCodeOf(new RuleError(code as keyof typeof REFUSALS, 'x')), kind.exit, code);
  }
});

test("README's exit-code table lists exactly the table's exit codes", () => {
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, '../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('Exit codes'));
  const listed = new Set([...section.slice(0, section.indexOf('```')).matchAll(/^\| (\d) \|/gm)].map((m) => Number(m[1])));
  const table = new Set([0, ...Object.values(REFUSALS).map((k) => k.exit)]);
  assert.deepEqual([...listed].sort(), [...table].sort());
});
