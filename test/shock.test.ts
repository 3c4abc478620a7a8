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

test('accounts.whatif and stress.saveScenario take and refuse the same shocks', () => {
  const db = demoLedgers('riskdesk-shock-', 40)();
  try {
    const at = () => new Date(DEMO_AS_OF);
    const viewer: Actor = { name: 'viewer', role: 'viewer' };
    const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
    const id = readAccounts(db)[0]!.id;
    const whatIf = (v: string) => dispatch({ db, actor: viewer, now: at }, 'accounts.whatif', { id, shocks: { BTC: v } });
    const save = (v: string) => dispatch({ db, actor: supervisor, now: at }, 'stress.saveScenario', { id: 'house-test', name: 'house test', kind: 'hypothetical', shocks: { BTC: v } });
    const ok = `-0.${'3'.repeat(SHOCK_MAX_PLACES)}`;
    whatIf(ok);
    save(ok);
    for (const bad of [`${ok}3`, '-1']) {
      assert.throws(() => whatIf(bad), badField('shocks.BTC'), `accounts.whatif ${bad}`);
      assert.throws(() => save(bad), badField('shocks.BTC'), `stress.saveScenario ${bad}`);
    }
  } finally {
    db.close();
  }
});
