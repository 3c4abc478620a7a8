// Every answer checked against its declared output: real commands through dispatchAsync on a real demo ledger file,
// each answer (as a door sends it: JSON) walked against OutputOf<channel> as the type checker reads it
// (test/support/declaredOutputs.ts). A declaration that drifts from what the command answers fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoLedgers } from './support/ledger.ts';
import { declaredOutputs } from './support/declaredOutputs.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatchAsync } from '../main/commands/dispatch.ts';
import type { Actor, CommandContext } from '../main/commands/context.ts';
import { CHANNELS, DOOR_CHANNELS, contract, type Channel, type MarginCall, type LiquidationSummary } from '../shared/contract.ts';
import { RuleError } from '../shared/errors.ts';
import type { Ledger } from '../main/ledger/db.ts';

const demoLedger = demoLedgers('riskdesk-outputs-', 120);
const admin: Actor = { name: 'admin', role: 'admin' };
const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
const operator: Actor = { name: 'operator', role: 'operator' };

/** What a door sends: JSON, with a bigint as its decimal text (serve/server.ts). */
const asSent = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? 'null');

/** Channels whose every input field is optional: each is run with an empty payload. */
const takesEmpty = (c: Channel) => contract[c].input.safeParse({}).success;

test('the answers of real commands match their declared outputs', async () => {
  const db: Ledger = demoLedger();
  const at = new Date(DEMO_AS_OF);
  let tick = 0;
  // A clock that moves on a second a command, so that each change is later than the last.
  const ctx = (actor: Actor): CommandContext => ({ db, actor, now: () => new Date(at.getTime() + 3_600_000 + 1000 * ++tick) });
  const answers = new Map<Channel, unknown[]>();
  const run = async (actor: Actor, channel: Channel, payload: unknown): Promise<unknown> => {
    const v = await dispatchAsync(ctx(actor), channel, payload);
    answers.set(channel, [...(answers.get(channel) ?? []), asSent(v)]);
    return v;
  };

  await run(operator, 'cycle.run', {});
  // Every channel that takes an empty payload, but the doors' own and the ones that change what follows.
  const skip = new Set<string>([...DOOR_CHANNELS, 'cycle.run', 'lifecycle.run', 'playbooks.beat', 'journal.verifyDeep']);
  for (const c of CHANNELS.filter((c) => takesEmpty(c) && !skip.has(c))) {
    try {
      await run(admin, c, {});
    } catch (e) {
      // A rule may refuse an empty payload on this ledger (nothing to do): that is no answer to check.
      if (!(e instanceof RuleError)) throw e;
    }
  }

  // Reads and changes of one call, one account, one liquidation proposal.
  const calls = (await run(admin, 'calls.list', { status: 'open' })) as MarginCall[];
  assert.ok(calls.length >= 3, 'the demo book has open calls after a cycle');
  const [a, b, c] = calls as [MarginCall, MarginCall, MarginCall];
  await run(admin, 'calls.get', { id: a.id });
  await run(operator, 'calls.deposit', { id: a.id, amount: '1', note: 'part payment' });
  await run(supervisor, 'calls.waive', { id: b.id, reason: 'outputs test' });
  await run(supervisor, 'calls.extend', { id: c.id, deadline: new Date(at.getTime() + 7 * 86_400_000).toISOString(), reason: 'outputs test' });
  await run(admin, 'accounts.detail', { id: a.account });
  await run(admin, 'accounts.whatif', { id: a.account, shocks: { BTC: '-0.2' } });
  await run(admin, 'accounts.commodities', { id: a.account });
  await run(admin, 'accounts.rows', { ids: [a.account, b.account] });
  await run(admin, 'explain.figure', { account: a.account, figure: 'call' });
  await run(admin, 'journal.list', { limit: 50 });
  await run(admin, 'prices.history', { instruments: ['BTC-PERP'], limit: 20 });
  await run(admin, 'funds.history', { fund: 'insurance' });
  await run(admin, 'lifecycle.account', { account: a.account });
  const proposals = (await run(admin, 'liquidations.list', { live: true })) as LiquidationSummary[];
  const p = proposals[0];
  if (p) {
    await run(admin, 'liquidations.get', { id: p.id });
    await run(operator, 'liquidations.hold', { id: p.id, reason: 'outputs test' });
    await run(operator, 'liquidations.release', { id: p.id });
  }
  await run(supervisor, 'automation.set', { scope: 'global', enabled: false, reason: 'outputs test' });

  const outputs = declaredOutputs([...answers.keys()]);
  const problems: string[] = [];
  for (const [channel, values] of answers) for (const v of values) problems.push(...outputs.check(channel, v, 5));
  assert.deepEqual(problems, []);
  // What was checked, so that a change that stops running a channel here shows.
  assert.ok(answers.size >= 50, `only ${answers.size} channels answered: ${[...answers.keys()].join(', ')}`);
  for (const c of ['calls.deposit', 'calls.waive', 'accounts.detail', 'liquidations.get', 'automation.set', 'dashboard.summary'] as const) {
    assert.ok(answers.has(c) || (c === 'liquidations.get' && !p), `${c} was not checked`);
  }
});

test('the output check refuses an answer that is not its declared type', () => {
  const outputs = declaredOutputs(['calls.get', 'accounts.version', 'journal.commands']);
  assert.deepEqual(outputs.check('accounts.version', { version: 'x' }), []);
  assert.deepEqual(outputs.check('accounts.version', { version: 3 }), ['accounts.version.version: expected a string, got number 3']);
  assert.deepEqual(outputs.check('accounts.version', { version: 'x', extra: 1 }), ['accounts.version.extra: not declared on { version: string; }']);
  assert.deepEqual(outputs.check('accounts.version', {}), ['accounts.version.version: missing']);
  assert.deepEqual(outputs.check('journal.commands', ['a', 1]), ['journal.commands[1]: expected a string, got number 1']);
  const problems = outputs.check('calls.get', { id: 1, status: 'lost' });
  assert.ok(problems.some((p) => p.startsWith('calls.get.status: expected')), problems.join('\n'));
  assert.ok(problems.some((p) => p === 'calls.get.account: missing'), problems.join('\n'));
});
