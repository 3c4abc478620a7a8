// One rule for a relative price shock (main/commands/shock.ts), whichever channel takes it: the accounts' what-if and
// the stress scenarios refused different shocks before (12 places for stress, no limit for the what-if).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseShock, SHOCK_MAX_PLACES } from '../main/commands/shock.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import type { Actor } from '../main/commands/context.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { readAccounts } from '../main/ledger/bookRepo.ts';
import { InputError } from '../shared/errors.ts';
import { demoLedgers } from './support/ledger.ts';

const badField = (field: string) => (e: unknown) => e instanceof InputError && e.where.field === field;

test('parseShock: an exact fraction; at most SHOCK_MAX_PLACES places; above -1', () => {
  assert.deepEqual(parseShock('-0.25', 'f'), { num: -25n, den: 100n });
  assert.deepEqual(parseShock('+1.5', 'f'), { num: 15n, den: 10n });
  assert.deepEqual(parseShock('0', 'f'), { num: 0n, den: 1n });
  const most = `-0.${'1'.repeat(SHOCK_MAX_PLACES)}`;
  assert.equal(parseShock(most, 'f').den, 10n ** BigInt(SHOCK_MAX_PLACES));
  assert.throws(() => parseShock(`${most}1`, 'f'), /more than 40 decimal places/);
  assert.throws(() => parseShock('-1', 'f'), /above -1/);
  assert.throws(() => parseShock('-1.5', 'f'), /above -1/);
  assert.deepEqual(parseShock('-0.999999', 'f'), { num: -999999n, den: 1000000n });
  for (const bad of ['', '1e-3', '.5', '5.', '0x10', ' 1', '1,5']) assert.throws(() => parseShock(bad, 'f'), badField('f'), bad);
});

/** What a channel said when it refused: the field and the message, without the channel's name a schema error names. */
function refusal(f: () => unknown): { field: string | undefined; message: string } {
  try {
    f();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { field: e.where.field, message: e.message.replace(/(accounts\.whatif|stress\.saveScenario): /, '') };
  }
  assert.fail('taken, expected a refusal');
}

test('accounts.whatif and stress.saveScenario take and refuse the same shocks, with the same message', () => {
  const db = demoLedgers('riskdesk-shock-', 40)();
  try {
    const at = () => new Date(DEMO_AS_OF);
    const viewer: Actor = { name: 'viewer', role: 'viewer' };
    const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
    const id = readAccounts(db)[0]!.id;
    const whatIf = (shocks: Record<string, string>) => dispatch({ db, actor: viewer, now: at }, 'accounts.whatif', { id, shocks });
    const save = (shocks: Record<string, string>) =>
      dispatch({ db, actor: supervisor, now: at }, 'stress.saveScenario', { id: 'house-test', name: 'house test', kind: 'hypothetical', shocks });
    const ok = `-0.${'3'.repeat(SHOCK_MAX_PLACES)}`;
    whatIf({ BTC: ok });
    save({ BTC: ok });
    const bad: [Record<string, string>, string, RegExp][] = [
      [{ BTC: `${ok}3` }, 'shocks.BTC', /more than 40 decimal places/],
      [{ BTC: '-1' }, 'shocks.BTC', /above -1/],
      [{ BTC: '-1.5' }, 'shocks.BTC', /above -1/],
      [{ BTC: '1e-3' }, 'shocks.BTC', /expected a decimal string/],
      [{ BTC: '-20%' }, 'shocks.BTC', /expected a decimal string/],
      // The key is an id as the ledger's are: a space or a 65th character is refused by the shared schema.
      [{ 'BT C': '-0.1' }, 'shocks.BT C', /not a valid key: letters, digits and/],
      [{ [`B${'T'.repeat(64)}`]: '-0.1' }, `shocks.B${'T'.repeat(64)}`, /not a valid key: .*64/],
    ];
    for (const [shocks, field, message] of bad) {
      const w = refusal(() => whatIf(shocks));
      const s = refusal(() => save(shocks));
      assert.equal(w.field, field, `accounts.whatif ${JSON.stringify(shocks)}`);
      assert.match(w.message, message, `accounts.whatif ${JSON.stringify(shocks)}`);
      assert.deepEqual(s, w, `stress.saveScenario refuses ${JSON.stringify(shocks)} as accounts.whatif does`);
    }
    // Where they differ, by design: what each may shock (the what-if an underlying; a scenario also a collateral
    // asset), and a scenario must move something.
    assert.match(refusal(() => whatIf({ NOPE: '-0.1' })).message, /no instrument is on the underlying "NOPE"/);
    assert.match(refusal(() => save({ NOPE: '-0.1' })).message, /"NOPE" is neither an underlying nor a collateral asset/);
    assert.match(refusal(() => save({})).message, /at least one shock/);
    assert.deepEqual(whatIf({}).shocks, {});
  } finally {
    db.close();
  }
});
