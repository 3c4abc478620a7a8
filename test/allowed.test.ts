// Issue 14 item 5 on a real ledger file: the actions a view hands the console are the commands' own verdicts. For
// every action of every object in a spread of states, as each desk role, the command is run (and rolled back): where
// the view said allowed=false it is refused with the view's reason, where it said allowed=true it is accepted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { authorize, dispatch, dispatchAsync } from '../main/commands/dispatch.ts';
import { DOOR_CHANNELS, type Channel } from '../shared/contract.ts';
import type { Actor } from '../main/commands/context.ts';
import { operator, supervisor, supervisor2, viewer } from './support/actors.ts';
import { RuleError } from '../shared/errors.ts';
import { parseAmount } from '../shared/units.ts';
import { Decimal } from 'decimal.js';

const D = Decimal;
import { writePolicySetting } from '../main/ledger/bookRepo.ts';
import { journalHead } from '../main/ledger/journal.ts';
import type { LiquidationDetail, LiquidationSummary, MarginCall, WhoAmI } from '../shared/contract.ts';
import type { ActionVerdict } from '../shared/contractAllowed.ts';
import type { DefaultCaseDetail, MemberStanding } from '../shared/contractRecovery.ts';

const demoLedger = demoLedgers('riskdesk-allowed-', 400);
const ACTORS: Actor[] = [viewer, operator, supervisor, supervisor2];
let clock = Date.parse(DEMO_AS_OF);
const now = () => new Date(clock);
const run = <T>(db: Ledger, actor: Actor, channel: string, payload: unknown): T => {
  clock += 60_000;
  return dispatch({ db, actor, now }, channel, payload) as T;
};

const ROLLBACK = Symbol('rollback');
type Outcome = { ok: true } | { ok: false; error: unknown };

/** The command as `actor` would run it now, undone afterwards whatever it did. */
function attempt(db: Ledger, actor: Actor, channel: string, payload: unknown): Outcome {
  let outcome: Outcome = { ok: true };
  try {
    db.transaction(() => {
      try {
        dispatch({ db, actor, now }, channel, payload);
      } catch (e) {
        outcome = { ok: false, error: e };
      }
      throw ROLLBACK;
    })();
  } catch (e) {
    if (e !== ROLLBACK) throw e;
  }
  return outcome;
}

let checked = { allowed: 0, refused: 0 };

/** The view's verdict against what the command does with the payload. */
function agree(db: Ledger, actor: Actor, what: string, v: ActionVerdict, payload: unknown): void {
  const head = journalHead(db);
  const out = attempt(db, actor, v.channel, payload);
  assert.deepEqual(journalHead(db), head, 'the attempt was undone');
  const where = `${what} as ${actor.name}: the view said ${JSON.stringify(v)}`;
  if (v.allowed) {
    assert.ok(out.ok, `${where}, but the command refused: ${out.ok ? '' : String(out.error)}`);
    checked.allowed++;
  } else {
    assert.ok(!out.ok, `${where}, but the command accepted it`);
    assert.ok(out.error instanceof RuleError, `${where}; the command's refusal is a rule's: ${String(out.error)}`);
    assert.equal(out.error.message, v.why, `${where}; the command refused with the view's reason`);
    checked.refused++;
  }
}

const addDays = (iso: string, d: number) => new Date(Date.parse(iso) + d * 86_400_000).toISOString();

function checkCall(db: Ledger, id: number): void {
  for (const actor of ACTORS) {
    const c = run<MarginCall>(db, actor, 'calls.get', { id });
    const a = c.actions!;
    assert.ok(a, 'calls.get carries the actions');
    const later = addDays(c.deadline > now().toISOString() ? c.deadline : now().toISOString(), 1);
    agree(db, actor, `call ${id} (${c.status}) deposit`, a.deposit, { id, amount: c.outstanding === '0' ? '1' : c.outstanding });
    agree(db, actor, `call ${id} (${c.status}) extend`, a.extend, { id, deadline: later, reason: 'more time' });
    agree(db, actor, `call ${id} (${c.status}) waive`, a.waive, { id, reason: 'waived' });
    agree(db, actor, `call ${id} (${c.status}) escalate`, a.escalate, { id, reason: 'late' });
  }
}

function checkLiquidation(db: Ledger, id: number): void {
  for (const actor of ACTORS) {
    const d = run<LiquidationDetail>(db, actor, 'liquidations.get', { id });
    const a = d.actions!;
    assert.ok(a, 'liquidations.get carries the actions');
    const what = (k: string) => `liquidation ${id} (${d.status}) ${k}`;
    // A first approval and the second one send the same command: the one the proposal's state offers is checked.
    if (a.confirm.offered) agree(db, actor, what('confirm'), a.confirm, { id });
    else agree(db, actor, what('approve'), a.approve, { id });
    agree(db, actor, what('hold'), a.hold, { id, reason: 'look again' });
    agree(db, actor, what('release'), a.release, { id });
    agree(db, actor, what('reject'), a.reject, { id, reason: 'not needed' });
    // What is left of the first order with lots left, at its mark (in the band): the fill the view judged.
    const o = d.orders.find((x) => x.quantity !== x.filledQuantity) ?? d.orders[0]!;
    const left = new D(o.quantity).minus(o.filledQuantity);
    agree(db, actor, what('fill'), a.fill, { id, instrument: o.instrument, quantity: left.gt(0) ? left.toFixed() : o.quantity, price: o.mark });
  }
}

function checkCase(db: Ledger, id: number): void {
  for (const actor of ACTORS) {
    const c = run<DefaultCaseDetail>(db, actor, 'default.get', { case: id });
    const a = c.actions!;
    const what = (k: string) => `case ${id} (${c.status}) ${k}`;
    agree(db, actor, what('confirm'), a.confirm, { case: id });
    agree(db, actor, what('withdraw'), a.withdraw, { case: id, reason: 'not so' });
    const client = c.accounts.find((x) => x.kind === 'client' && x.disposition === 'remaining');
    const receiver = run<MemberStanding[]>(db, actor, 'members.list', {}).find((m) => m.id !== c.member && m.status === 'active')!;
    agree(db, actor, what('port'), a.port, { case: id, accounts: [client?.id ?? 'NONE'], to: receiver.id });
    // A step the contract holds for a second supervisor says so: sending it asks, it does not do.
    if (a.port.allowed) assert.match(a.port.holds ?? '', /second, different supervisor/);
    agree(db, actor, what('closeOut'), a.closeOut, { case: id });
    agree(db, actor, what('bid'), a.bid, { case: id, member: receiver.id, lot: '*', amount: '1', confirm: true });
    agree(db, actor, what('waterfall'), a.waterfall, { case: id });
    agree(db, actor, what('assess'), a.assess, { case: id, due: addDays(now().toISOString(), 7) });
    agree(db, actor, what('allocate'), a.allocate, { case: id, tools: ['adl'] });
    // With no bid the award is refused as such; with one, which bids win is the award's to work out (its own refusals).
    if (!a.award.allowed) agree(db, actor, what('award'), a.award, { case: id });
  }
}

function checkMember(db: Ledger, id: string): void {
  for (const actor of ACTORS) {
    const m = run<MemberStanding[]>(db, actor, 'members.list', {}).find((x) => x.id === id)!;
    const a = m.actions!;
    agree(db, actor, `member ${id} (${m.status}) declare`, a.declare, { member: id, reason: 'missed a call' });
    agree(db, actor, `member ${id} (${m.status}) suspend`, a.suspend, { member: id, reason: 'review' });
    agree(db, actor, `member ${id} (${m.status}) reinstate`, a.reinstate, { member: id, reason: 'cleared' });
    agree(db, actor, `member ${id} (${m.status}) replenish`, a.replenish, { member: id, amount: m.replenishmentDue === '0' ? '1' : m.replenishmentDue });
  }
}

test('every action a view offers agrees with its command, for each role, across the states of calls, proposals, cases and members', () => {
  const db = demoLedger();
  checked = { allowed: 0, refused: 0 };
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  // Calls: open, one with a waiver asked above the four-eyes amount, one met, then all of them overdue by the clock.
  const calls = run<MarginCall[]>(db, operator, 'calls.list', { status: 'open' });
  assert.ok(calls.length >= 3, 'the demo book has open calls');
  writePolicySetting(db, 'fourEyesWaiver', '1');
  run(db, supervisor, 'calls.waive', { id: calls[1]!.id, reason: 'relationship' });
  run(db, operator, 'calls.deposit', { id: calls[2]!.id, amount: calls[2]!.outstanding });
  for (const c of calls.slice(0, 3)) checkCall(db, c.id);
  clock += 3 * 3_600_000;
  for (const c of calls.slice(0, 2)) checkCall(db, c.id);

  // Proposals: proposed, held, awaiting a second approval, approved, and one with a fill; four eyes on the small ones.
  const live = run<LiquidationSummary[]>(db, operator, 'liquidations.list', { live: true }).filter((l) => l.status === 'proposed');
  const bySize = [...live].sort((x, y) => (parseAmount(x.notional, 'n') < parseAmount(y.notional, 'n') ? -1 : 1));
  assert.ok(live.length >= 5, 'the demo book has proposals');
  // The two smallest are approved by an operator (under the threshold); the largest is above it.
  const [p3, p4] = bySize;
  const [p0, p1, p2] = bySize.slice(-3).reverse();
  run(db, operator, 'liquidations.hold', { id: p1!.id, reason: 'wait' });
  run(db, operator, 'liquidations.approve', { id: p3!.id });
  run(db, operator, 'liquidations.approve', { id: p4!.id });
  const o = run<LiquidationDetail>(db, operator, 'liquidations.get', { id: p4!.id }).orders[0]!;
  run(db, operator, 'liquidations.fill', { id: p4!.id, instrument: o.instrument, quantity: o.quantity, price: o.mark });
  writePolicySetting(db, 'fourEyesNotional', '0.01');
  run(db, supervisor, 'liquidations.approve', { id: p2!.id });
  for (const l of [p0!, p1!, p2!, p3!, p4!]) checkLiquidation(db, l.id);

  // Members and cases: a declaration awaiting its second supervisor, a suspended member, an active one.
  const members = run<MemberStanding[]>(db, operator, 'members.list', {});
  const [m0, m1, m2] = members;
  const declared = run<DefaultCaseDetail>(db, supervisor, 'default.declare', { member: m0!.id, reason: 'missed a call' });
  run(db, supervisor, 'members.suspend', { member: m1!.id, reason: 'review' });
  checkCase(db, declared.id);
  // Confirmed by a second supervisor, the case is open: porting, close-out and the auction are its steps.
  run(db, supervisor2, 'default.confirm', { case: declared.id });
  checkCase(db, declared.id);
  for (const m of [m0!, m1!, m2!]) checkMember(db, m.id);

  // Both sides of the line were exercised: the verdicts are not all one way.
  assert.ok(checked.allowed > 30 && checked.refused > 30, JSON.stringify(checked));
  db.close();
});

test('whoami hands the console each channel with the verdict dispatch enforces on it', async () => {
  const db = demoLedger(50);
  for (const actor of ACTORS) {
    const who = run<WhoAmI>(db, actor, 'session.whoami', {});
    const caps = who.capabilities!;
    for (const [channel, v] of Object.entries(caps)) {
      if (v.allowed) continue;
      const head = journalHead(db);
      // The door answers its own channels (the feed's controls) after the same authorize() dispatch runs.
      const send = (DOOR_CHANNELS as readonly string[]).includes(channel)
        ? Promise.resolve().then(() => authorize({ db, actor, now }, channel as Channel, {}))
        : dispatchAsync({ db, actor, now }, channel, {});
      const out = await send.then(
        () => ({ ok: true }) as const,
        (error: unknown) => ({ ok: false, error }) as const,
      );
      assert.ok(!out.ok && out.error instanceof RuleError && out.error.message === v.why, `${channel} as ${actor.name}: ${v.why}`);
      assert.deepEqual(journalHead(db), head);
    }
    assert.equal(caps['liquidations.get']!.allowed, true);
    assert.equal(caps['users.list']!.allowed, false, 'only an admin lists users');
  }
  db.close();
});
