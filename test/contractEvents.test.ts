// The console events a door announces after a command are the ones its contract entry declares (`emits`): real
// commands through the console door (doors/invoke.ts) on a real demo ledger, every event heard checked against them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { Door, isSignal, type Binding } from '../main/doors/invoke.ts';
import { contract, type Channel, type ConsoleEvent, type MarginCall, type LiquidationSummary } from '../shared/contract.ts';

const demoLedger = demoLedgers('riskdesk-events-', 120);

test('each command announces the events its entry declares, and only those', async () => {
  const db = demoLedger();
  let t = Date.parse(DEMO_AS_OF) + 3_600_000;
  const d = new Door({ db, now: () => new Date((t += 1000)), log: () => {}, sliceMs: 0 });
  const heard: ConsoleEvent[] = [];
  d.events.subscribe((e) => heard.push(e));
  const sup: Binding = { kind: 'window', key: 'sup' };
  assert.equal((await d.invokeAsync(sup, 'session.login', { name: 'supervisor', password: 'supervisor-demo' })).result.ok, true);
  const problems: string[] = [];
  const run = async <T>(channel: Channel, payload: unknown): Promise<T> => {
    heard.length = 0;
    const r = (await d.invokeAsync(sup, channel, payload)).result;
    assert.ok(r.ok, `${channel}: ${JSON.stringify(r)}`);
    const declared = contract[channel].emits as readonly ConsoleEvent['type'][];
    const types = [...new Set(heard.map((e) => e.type))];
    for (const type of types) if (!declared.includes(type)) problems.push(`${channel} announced ${type}, not declared`);
    // A signal is announced whenever the command ran; an event with data only when there is something to say.
    for (const type of declared) if (isSignal(type) && channel !== 'prices.tick' && !types.includes(type)) problems.push(`${channel} declares ${type} but did not announce it`);
    return (r as unknown as { value: T }).value;
  };
  await run('cycle.run', {});
  const calls = await run<MarginCall[]>('calls.list', { status: 'open' });
  await run('calls.waive', { id: calls[0]!.id, reason: 'events test' });
  await run('automation.set', { scope: 'global', enabled: false, reason: 'events test' });
  const live = await run<LiquidationSummary[]>('liquidations.list', { live: true });
  if (live[0]) await run('liquidations.hold', { id: live[0].id, reason: 'events test' });
  await run('policies.list', {});
  await run('members.list', {});
  assert.deepEqual(problems, []);
  d.close();
});

test('the events declared are the console events there are, and reads announce nothing', () => {
  for (const [channel, spec] of Object.entries(contract)) {
    if (!spec.mutates && channel !== 'stress.run') assert.deepEqual(spec.emits, [], `${channel} reads, yet declares events`);
  }
});
