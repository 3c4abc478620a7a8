// Every override beside its automatic alternative (issue 21 item 2), on real ledger files through the dispatcher:
// each override command is run, and its journal entry (or, for a command held for four eyes, the confirmation's)
// must carry what the automatic path would have done. The set of commands covered here is checked against the
// contract's list, so an override command added without a scenario here, or whose entry slips through without its
// alternative, fails this file. The waived call that then defaulted is costed against an oracle written from the
// rule in docs/overrides-and-reports.md, in integers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { minuteClock, operator, supervisor, supervisor2, viewer } from './support/actors.ts';
import { setPolicy } from './support/policy.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { addMinutes } from '../main/engine/calls.ts';
import { readInstruments } from '../main/ledger/bookRepo.ts';
import { scanJournal, verifyJournal } from '../main/ledger/journal.ts';
import { readCycleResults } from '../main/ledger/cycleResults.ts';
import { decimalPlaces, formatUnits, parseAmount, parseUnits } from '../shared/units.ts';
import { OVERRIDE_CHANNELS, type OverrideRecord, type OverridesReport } from '../shared/contractReports.ts';
import type { DefaultCaseDetail } from '../shared/contractRecovery.ts';
import type { LiquidationDetail, LiquidationSummary, MarginCall } from '../shared/contract.ts';
import { checked, withOverrides } from '../main/commands/overrides/wrap.ts';
import { overrideOf } from '../main/commands/overrides/journalled.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { dispatch } from '../main/commands/dispatch.ts';

const demoLedger = demoLedgers('riskdesk-overrides-', 400);
const { run, advance } = minuteClock();
const usd = (s: string) => parseAmount(s, 'test');

/** The overrides the journal records, by the command that made them. */
function recorded(db: Ledger): Map<string, OverrideRecord[]> {
  const out = new Map<string, OverrideRecord[]>();
  for (const e of scanJournal(db, { newestFirst: false })) {
    const o = overrideOf(e);
    if (o) out.set(o.command, [...(out.get(o.command) ?? []), o]);
  }
  return out;
}

function bothSupervisors(db: Ledger, channel: string, payload: { case: number } & Record<string, unknown>): void {
  const asked = run<DefaultCaseDetail>(db, supervisor, channel, payload);
  const held = asked.approvals.find((a) => a.status === 'pending' && a.channel === channel);
  assert.ok(held, `${channel} is held for a second supervisor`);
  run(db, supervisor2, 'approvals.confirm', { id: held.id });
}

/** Liquidations, breakers, automation and calls on one ledger: every desk-side override. */
function deskOverrides(db: Ledger): void {
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  setPolicy(run, db, 'fourEyesNotional', '1000000000000');
  setPolicy(run, db, 'fourEyesWaiver', '1000000000000');
  const live = run<LiquidationSummary[]>(db, operator, 'liquidations.list', { live: true }).filter((l) => l.status === 'proposed');
  assert.ok(live.length >= 3, 'three proposals to override');
  const [rej, hold] = live;
  run(db, supervisor, 'liquidations.reject', { id: rej!.id, reason: 'member wired funds at 09:10' });
  run(db, supervisor, 'liquidations.hold', { id: hold!.id, reason: 'waiting on legal' });
  // Edited: the first order with two lots or more, halved; then an off-band fill on it.
  const insts = new Map(readInstruments(db).map((i) => [i.id, i]));
  const edit = live.slice(2).map((l) => ({ l, d: run<LiquidationDetail>(db, operator, 'liquidations.get', { id: l.id }) })).find(({ d }) => {
    const o = d.orders[0]!;
    const lot = insts.get(o.instrument)!.lot;
    const dp = Math.max(decimalPlaces(lot), decimalPlaces(o.quantity));
    return parseUnits(o.quantity, dp, 'q') / parseUnits(lot, dp, 'lot') >= 2n;
  })!;
  const o = edit.d.orders[0]!;
  const inst = insts.get(o.instrument)!;
  const dp = decimalPlaces(inst.lot);
  const lot = parseUnits(inst.lot, dp, 'lot');
  const oneLot = formatUnits(lot, dp);
  run(db, supervisor, 'liquidations.approve', { id: edit.l.id, orders: [{ instrument: o.instrument, quantity: oneLot }], note: 'thin book: one lot at a time' });
  const tdp = Math.max(decimalPlaces(inst.tick), decimalPlaces(o.mark));
  const step = parseUnits(inst.tick, tdp, 'tick');
  const far = formatUnits(((parseUnits(o.mark, tdp, 'mark') * 13n) / 10n / step) * step, tdp);
  run(db, supervisor, 'liquidations.fill', { id: edit.l.id, instrument: o.instrument, quantity: oneLot, price: far });

  // A breaker tripped by a 30% fall, then reset; automation switched on, then off for an account.
  const bi = readInstruments(db).find((i) => i.priceBand !== null && i.id.startsWith('BTC'))!;
  const mark = db.prepare('SELECT mark FROM prices WHERE instrument_id = ? ORDER BY at DESC LIMIT 1').pluck().safeIntegers(true).get(bi.id) as bigint;
  const bdp = decimalPlaces(bi.tick);
  const tick = parseUnits(bi.tick, bdp, 'tick');
  const price = (t: bigint) => formatUnits(t * tick, bdp);
  const t1 = addMinutes(DEMO_AS_OF, 300);
  const t2 = addMinutes(DEMO_AS_OF, 305);
  advance(Date.parse(t2) - Date.parse(DEMO_AS_OF));
  run(db, operator, 'import.csv', { kind: 'prices', file: 'crash.csv', text: `instrument,at,mark\n${bi.id},${t1},${price(mark)}\n${bi.id},${t2},${price((mark * 7n) / 10n)}\n` });
  run(db, supervisor, 'automation.set', { scope: 'global', enabled: true, reason: 'desk staffed' });
  run(db, operator, 'cycle.run', { at: t2 });
  run(db, supervisor, 'breakers.reset', { instrument: bi.id, reason: 'feed checked, the move is real' });
  run(db, supervisor, 'automation.set', { scope: 'account', target: live[2]!.account, enabled: false, reason: 'legal hold' });

  const calls = run<MarginCall[]>(db, viewer, 'calls.list', {}).filter((c) => c.status === 'open' || c.status === 'overdue');
  assert.ok(calls.length >= 2);
  run(db, supervisor, 'calls.waive', { id: calls[0]!.id, reason: '=fee dispute settled' });
  run(db, supervisor, 'calls.extend', { id: calls[1]!.id, deadline: addMinutes(calls[1]!.deadline > t2 ? calls[1]!.deadline : t2, 24 * 60), reason: 'bank holiday' });
}

/** TWC defaults after one of its calls was waived: closed out, the waterfall, recovery tools chosen. */
function defaultOverrides(db: Ledger): { waived: MarginCall; caseId: number } {
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  db.prepare("UPDATE members SET default_fund = 1000000000000 WHERE id <> 'TWC'").run();
  setPolicy(run, db, 'ccpFirstTranche', '2000000');
  setPolicy(run, db, 'ccpSecondTranche', '1000000');
  setPolicy(run, db, 'fourEyesWaiver', '1000000000000');
  const r = readCycleResults(db, Number(db.prepare('SELECT max(id) FROM margin_cycles').pluck().get()));
  const mine = new Set(db.prepare("SELECT id FROM accounts WHERE member_id = 'TWC'").pluck().all() as string[]);
  const debtor = r.ids.find((id, i) => mine.has(id) && r.status[i]! >= 2 && id.includes('-C'))!;
  db.prepare("UPDATE collateral SET quantity = quantity - 6000000000 WHERE account_id = ? AND asset_id = 'USD'").run(debtor);
  const call = run<MarginCall[]>(db, viewer, 'calls.list', {}).find((c) => c.member === 'TWC' && (c.status === 'open' || c.status === 'overdue'))!;
  assert.ok(call, 'TWC has a call to waive');
  run(db, supervisor, 'calls.waive', { id: call.id, reason: 'long-standing member' });
  const c = run<DefaultCaseDetail>(db, supervisor, 'default.declare', { member: 'TWC', reason: 'failed to meet a settlement obligation' });
  run(db, supervisor2, 'default.confirm', { case: c.id });
  run(db, supervisor, 'default.closeOut', { case: c.id });
  run(db, supervisor, 'default.waterfall', { case: c.id });
  bothSupervisors(db, 'default.allocate', { case: c.id, tools: ['socialisedLoss'] });
  return { waived: call, caseId: c.id };
}

function auctionOverride(db: Ledger): void {
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const c = run<DefaultCaseDetail>(db, supervisor, 'default.declare', { member: 'RFI', reason: 'insolvent' });
  run(db, supervisor2, 'default.confirm', { case: c.id });
  run(db, operator, 'default.bid', { case: c.id, member: 'KCM', lot: '*', amount: '-250000' });
  bothSupervisors(db, 'default.award', { case: c.id });
}

test('each override command records its automatic alternative in its journal entry, and the overrides report sets both outcomes side by side', () => {
  const desk = demoLedger();
  deskOverrides(desk);
  const def = demoLedger();
  const { waived, caseId } = defaultOverrides(def);
  const auction = demoLedger();
  auctionOverride(auction);

  const all = new Map<string, OverrideRecord[]>();
  for (const db of [desk, def, auction]) for (const [k, v] of recorded(db)) all.set(k, [...(all.get(k) ?? []), ...v]);
  // The way around: an override command whose entry carries no alternative is missing here.
  assert.deepEqual([...all.keys()].sort(), [...OVERRIDE_CHANNELS].sort(), 'every override command, run, records its automatic alternative');
  for (const [channel, records] of all) {
    for (const o of records) {
      assert.ok(o.automatic.length > 10 && o.what.length > 5 && o.subject.includes(':'), `${channel}: ${JSON.stringify(o)}`);
    }
  }
  assert.match(all.get('calls.waive')![0]!.automatic, /stands: .* due by .*escalated to liquidation if unmet/);
  assert.match(all.get('liquidations.reject')![0]!.automatic, /executes as the engine planned it: (sell|buy) /);
  assert.match(all.get('liquidations.fill')![0]!.automatic, /at the mark/);
  assert.match(all.get('default.allocate')![0]!.automatic, /vmGainsHaircut, adl, socialisedLoss/);
  // Reverting a switch to what it was is still a person's decision, recorded with what it had been.
  assert.deepEqual(all.get('automation.set')!.map((o) => [o.facts.was, o.facts.now]), [['off', 'on'], ['on', 'off']]);

  // The waived call, then the member's default: the loss past its own resources with and without the waiver.
  const rep = run<OverridesReport>(def, viewer, 'overrides.report', { from: DEMO_AS_OF, to: addMinutes(DEMO_AS_OF, 60 * 24 * 30) });
  const row = rep.rows.find((r) => r.kind === 'waiver')!;
  assert.equal(row.subject, `call:${waived.id}`);
  const detail = run<DefaultCaseDetail>(def, viewer, 'default.get', { case: caseId });
  const after = usd(detail.closeOut!.equityAfter);
  const w = usd(waived.amount) - usd(waived.deposited);
  const actual = after < 0n ? -after : 0n;
  const automatic = -after - w > 0n ? -after - w : 0n;
  assert.deepEqual([usd(row.actualCost!), usd(row.automaticCost!), usd(row.difference!)], [actual, automatic, actual - automatic]);
  assert.ok(actual - automatic > 0n, 'the waiver incurred a loss: the defaulter ended below zero');
  assert.match(row.actualOutcome, new RegExp(`member TWC defaulted \\(case ${caseId}`));
  const tools = rep.rows.find((r) => r.kind === 'recovery_tools')!;
  assert.equal(tools.requestedBy, 'supervisor');
  assert.equal(tools.actor, 'supervisor2');
  assert.equal(usd(tools.difference!), usd(tools.actualCost!) - usd(tools.automaticCost!));

  const deskRep = run<OverridesReport>(desk, viewer, 'overrides.report', { from: DEMO_AS_OF, to: addMinutes(DEMO_AS_OF, 60 * 24 * 30) });
  const fill = deskRep.rows.find((r) => r.kind === 'off_band_fill')!;
  assert.equal(fill.automaticCost, '0');
  assert.ok(usd(fill.difference!) !== 0n, 'a fill 30% from the mark costs or saves');
  for (const db of [desk, def, auction]) {
    assert.equal(verifyJournal(db).ok, true);
    db.close();
  }
});

test('the overrides recorded replay: verify --deep rebuilds every override entry to the byte, and one journalled before overrides recorded theirs', () => {
  const db = demoLedger(120);
  run(db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const call = run<MarginCall[]>(db, viewer, 'calls.list', {}).find((c) => c.status === 'open' || c.status === 'overdue')!;
  setPolicy(run, db, 'fourEyesWaiver', '1000000000000');
  // As a build before this one wrote it: the extension's entry carries no alternative, and still replays as written.
  const last = [...scanJournal(db, { newestFirst: true })][0]!.at;
  dispatch({ db, actor: supervisor, now: () => new Date(Date.parse(last) + 30_000), preOverrides: true }, 'calls.extend', { id: call.id, deadline: addMinutes(call.deadline, 600), reason: 'bank holiday' });
  assert.equal(recorded(db).get('calls.extend'), undefined);
  run(db, supervisor, 'calls.waive', { id: call.id, reason: 'settled elsewhere' });
  // The call's own view puts the recorded alternative beside the waiver (the extension, journalled without one, has none).
  const h = run<MarginCall>(db, viewer, 'calls.get', { id: call.id }).history!;
  assert.match(h.find((e) => e.kind === 'waived')!.automatic!, new RegExp(`^call ${call.id} stands: `));
  assert.equal(h.find((e) => e.kind === 'extended')!.automatic, undefined);
  run(db, supervisor, 'automation.set', { scope: 'global', enabled: true, reason: 'desk staffed' });
  const v = deepVerify(db);
  assert.equal(v.ok, true, JSON.stringify(v).slice(0, 400));
  db.close();
});

test('the control: a wrapped override whose recorder says nothing of the automatic path is refused, and a listed channel needs a handler', () => {
  assert.throws(() => withOverrides({}), /override channel calls\.waive has no handler/);
  const blank: OverrideRecord = { kind: 'waiver', subject: 'call:1', account: 'A', member: 'M', what: 'waived 5', why: 'r', automatic: ' ', facts: {} };
  assert.throws(() => checked('calls.waive', blank), /does not say what it did and what the automatic path was: refused/);
  assert.equal(checked('calls.waive', { ...blank, automatic: 'call 1 stands' }).automatic, 'call 1 stands');
});
