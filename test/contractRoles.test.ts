// The contract states each channel's least role (issue 14 item 5): the console reads no rule from it, but the CLI,
// the docs and this test do. Every channel is called as every role: a role below the stated one is refused as a
// role refusal before anything runs, and the stated role is never refused for its role.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatchAsync } from '../main/commands/dispatch.ts';
import { CHANNELS, DOOR_CHANNELS, contract } from '../shared/contract.ts';
import { RuleError } from '../shared/errors.ts';
import { journalHead } from '../main/ledger/journal.ts';

/** The desk's roles, weakest first, written out here (the oracle does not borrow the production order). */
const ORDER = ['viewer', 'operator', 'supervisor', 'admin'] as const;

test('each channel refuses every role below its stated least role, and never refuses its least role for its role', async () => {
  const db = demoLedgers('riskdesk-contract-roles-', 30)();
  let clock = Date.parse(DEMO_AS_OF);
  const call = (role: (typeof ORDER)[number], channel: string, payload: unknown) =>
    dispatchAsync({ db, actor: { name: `a-${role}`, role }, now: () => new Date((clock += 60_000)) }, channel, payload).then(
      () => null,
      (e: unknown) => e,
    );
  let below = 0;
  for (const channel of CHANNELS) {
    if ((DOOR_CHANNELS as readonly string[]).includes(channel)) continue;
    const least = ORDER.indexOf(contract[channel].role);
    assert.ok(least >= 0, `${channel} states a role`);
    for (const [i, role] of ORDER.entries()) {
      if (i < least) {
        // A valid payload is not needed: the role is refused before the payload is read, and nothing changes.
        const head = journalHead(db);
        const e = await call(role, channel, {});
        assert.ok(e instanceof RuleError && e.code === 'forbidden', `${channel} as ${role} (below ${contract[channel].role}): ${String(e)}`);
        assert.match(e.message, new RegExp(`needs the ${contract[channel].role} role`));
        assert.deepEqual(journalHead(db), head);
        below++;
      } else if (i === least) {
        const e = await call(role, channel, {});
        assert.ok(!(e instanceof RuleError && e.code === 'forbidden'), `${channel} as its least role ${role} is refused for its role: ${String(e)}`);
      }
    }
  }
  assert.ok(below > 50, `${below} refusals below the least role`);
  db.close();
});
