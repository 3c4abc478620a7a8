// The run report's loss against the automatic path (issue 16 item 5) beyond the close-out: a port, an auction award
// and the recovery tools, each beside the engine's automatic alternative worked out at the moment of the choice. The
// oracle is the alternative itself, run for real on a twin ledger (same demo, same commands, the automatic choice
// taken instead): its figures must be the report's, to the micro-dollar, and the differences add up as worked below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Ledger } from '../main/ledger/db.ts';
import { demoLedgers } from './support/ledger.ts';
import { minuteClock, operator, supervisor, supervisor2, viewer, type Runner } from './support/actors.ts';
import { setPolicy } from './support/policy.ts';
import { riskdesk } from './support/cli.ts';
import { movedPrices } from './support/prices.ts';
import { readCycleResults } from '../main/ledger/cycleResults.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { parseAmount } from '../shared/units.ts';
import type { DefaultCaseDetail } from '../shared/contractRecovery.ts';
import type { RunReport, RunState } from '../shared/contractPlaybook.ts';

const demoLedger = demoLedgers('riskdesk-choices-', 400);
const usd = (s: string) => parseAmount(s, 'test');

/** One ledger and its own clock (a minute per command). */
function desk(): { db: Ledger; run: Runner['run']; advance: Runner['advance'] } {
  const db = demoLedger();
  const clock = minuteClock();
  return { db, run: (d, a, c, p) => clock.run(d, a, c, p), advance: (ms) => clock.advance(ms) };
}

/** A four-eyes command: supervisor asks, supervisor2 confirms; the case after it. */
function both(d: ReturnType<typeof desk>, channel: string, payload: { case: number } & Record<string, unknown>): DefaultCaseDetail {
  const asked = d.run<DefaultCaseDetail>(d.db, supervisor, channel, payload);
  const held = asked.approvals.find((a) => a.status === 'pending' && a.channel === channel);
  assert.ok(held, `${channel} is held for a second supervisor`);
  d.run(d.db, supervisor2, 'approvals.confirm', { id: held.id });
  return d.run<DefaultCaseDetail>(d.db, viewer, 'default.get', { case: payload.case });
}

function defaulted(d: ReturnType<typeof desk>, member: string): number {
  const c = d.run<DefaultCaseDetail>(d.db, supervisor, 'default.declare', { member, reason: 'failed to meet a settlement obligation' });
  d.run(d.db, supervisor2, 'default.confirm', { case: c.id });
  return c.id;
}

/** The member's client accounts healthy in the latest cycle. */
function healthyClients(db: Ledger, member: string): string[] {
  const r = readCycleResults(db, Number(db.prepare('SELECT max(id) FROM margin_cycles').pluck().get()));
  return r.ids.filter((id, i) => id.startsWith(`${member}-C`) && r.status[i] === 0);
}

/** A client account of TWC owing 60M USD (its member answers for it): every close-out of TWC then makes a loss. */
function owing(db: Ledger): void {
  const r = readCycleResults(db, Number(db.prepare('SELECT max(id) FROM margin_cycles').pluck().get()));
  const debtor = r.ids.find((id, i) => id.startsWith('TWC-C') && r.status[i]! >= 2)!;
  db.prepare("UPDATE collateral SET quantity = quantity - 6000000000 WHERE account_id = ? AND asset_id = 'USD'").run(debtor);
}

/** A live run supervisor2 starts and later aborts: its report covers what supervisor2 confirms meanwhile. */
function withRun(d: ReturnType<typeof desk>, body: () => void): RunReport {
  const s = d.run<RunState>(d.db, supervisor2, 'playbooks.start', { playbook: 'flash-crash', mode: 'live' });
  body();
  d.run(d.db, supervisor2, 'playbooks.abort', { run: s.run, reason: 'drill of the report' });
  return d.run<RunReport>(d.db, viewer, 'playbooks.report', { run: s.run });
}

test('a port and an auction award beside the engine\'s close-out: the automatic figures are those of the close-out run for real, and the path adds up', { timeout: 120_000 }, async () => {
  // X: the desk ports two healthy clients of TWC to KCM, then awards the rest at auction.
  const x = desk();
  x.run(x.db, operator, 'cycle.run', { at: DEMO_AS_OF });
  owing(x.db);
  const ported = healthyClients(x.db, 'TWC').slice(0, 2);
  assert.equal(ported.length, 2);
  let auction!: DefaultCaseDetail;
  const report = withRun(x, () => {
    const c = defaulted(x, 'TWC');
    both(x, 'default.port', { case: c, accounts: ported, to: 'KCM' });
    x.run(x.db, operator, 'default.bid', { case: c, member: 'CLM', lot: '*', amount: '-20000' });
    auction = both(x, 'default.award', { case: c });
  });
  assert.equal(auction.closeOut!.method, 'auction');

  // Y: no port, the engine's close-out (the automatic path at the port). Z: the same port, then the engine's close-out
  // (the automatic path at the award).
  const y = desk();
  y.run(y.db, operator, 'cycle.run', { at: DEMO_AS_OF });
  owing(y.db);
  const yc = defaulted(y, 'TWC');
  const noPort = y.run<DefaultCaseDetail>(y.db, supervisor, 'default.closeOut', { case: yc }).closeOut!;
  const z = desk();
  z.run(z.db, operator, 'cycle.run', { at: DEMO_AS_OF });
  owing(z.db);
  const zc = defaulted(z, 'TWC');
  both(z, 'default.port', { case: zc, accounts: ported, to: 'KCM' });
  const closeOut = z.run<DefaultCaseDetail>(z.db, supervisor, 'default.closeOut', { case: zc }).closeOut!;

  assert.deepEqual(
    report.choices.map((c) => [c.channel, c.actor, c.measure, c.loss, c.automaticLoss]),
    [
      ['default.port', 'supervisor2', 'close-out loss', closeOut.loss, noPort.loss],
      ['default.award', 'supervisor2', 'close-out loss', auction.closeOut!.loss, closeOut.loss],
    ],
  );
  // Worked: each difference is its own stage's; together they telescope to the auction's loss against a close-out of
  // everything, the automatic path from the declaration on.
  const [port, award] = report.choices;
  assert.equal(usd(port!.difference!), usd(closeOut.loss) - usd(noPort.loss));
  assert.equal(usd(award!.difference!), usd(auction.closeOut!.loss) - usd(closeOut.loss));
  assert.equal(usd(report.score.lossAgainstAutomatic!), usd(auction.closeOut!.loss) - usd(noPort.loss));
  // Both close-outs start from the same margin (the house accounts') and both lose (the client's debt), so the award's
  // difference is in the equity after: the auction takes the positions at the marks, the close-out pays slippage and fees.
  assert.equal(auction.closeOut!.margin, closeOut.margin);
  assert.ok(usd(auction.closeOut!.loss) > 0n && usd(closeOut.loss) > 0n);
  assert.equal(usd(award!.difference!), usd(closeOut.equityAfter) - usd(auction.closeOut!.equityAfter));
  assert.equal(report.losses, null, 'the run has no case parameter: the choices stand on their own');
  for (const d of [x, y, z]) d.db.close();

  // The recorded alternatives replay: verify --deep rebuilds a ledger from its journal, the dry runs included (on a
  // ledger of commands only: the debt above is written behind the journal's back, which a replay rightly refuses).
  const w = desk();
  w.run(w.db, operator, 'cycle.run', { at: DEMO_AS_OF });
  const wc = defaulted(w, 'TWC');
  both(w, 'default.port', { case: wc, accounts: ported, to: 'KCM' });
  w.run(w.db, operator, 'default.bid', { case: wc, member: 'CLM', lot: '*', amount: '-20000' });
  both(w, 'default.award', { case: wc });
  w.db.close();
  const v = await riskdesk(['verify', '--deep', '--db', w.db.name]);
  assert.equal(v.code, 0, v.describe());
});

/** A case of TWC that reaches the recovery tools: small default funds, a client owing 60M, prices up 4% a day later. */
function toTheTools(d: ReturnType<typeof desk>): number {
  d.run(d.db, operator, 'cycle.run', { at: DEMO_AS_OF });
  d.db.prepare("UPDATE members SET default_fund = 1000000000000 WHERE id <> 'TWC'").run();
  setPolicy(d.run, d.db, 'ccpFirstTranche', '2000000');
  owing(d.db);
  const c = defaulted(d, 'TWC');
  d.run(d.db, supervisor, 'default.closeOut', { case: c });
  const t1 = new Date(Date.parse(DEMO_AS_OF) + 86_400_000).toISOString();
  d.advance(86_400_000);
  d.run(d.db, operator, 'import.csv', { kind: 'prices', file: 'up.csv', text: movedPrices(d.db, t1, 4n) });
  d.run(d.db, operator, 'cycle.run', { at: t1 });
  d.run(d.db, supervisor, 'default.waterfall', { case: c });
  return c;
}

test('recovery tools beside the methodology\'s order: the automatic uncovered amount is what the twin ledger is left with when it applies every tool in order', { timeout: 120_000 }, () => {
  const x = desk();
  const xc = toTheTools(x);
  const residual = usd(x.run<DefaultCaseDetail>(x.db, viewer, 'default.get', { case: xc }).waterfall!.residual);
  assert.ok(residual > 0n, 'the case reaches the recovery tools');
  let chosen!: DefaultCaseDetail;
  const report = withRun(x, () => {
    chosen = both(x, 'default.allocate', { case: xc, tools: ['vmGainsHaircut'] });
  });
  const y = desk();
  const yc = toTheTools(y);
  const automatic = both(y, 'default.allocate', { case: yc, tools: ['vmGainsHaircut', 'adl', 'socialisedLoss'] });

  assert.equal(report.choices.length, 1);
  const c = report.choices[0]!;
  assert.deepEqual([c.channel, c.measure, c.loss, c.automaticLoss], ['default.allocate', 'uncovered after the recovery tools', chosen.recovery!.uncovered, automatic.recovery!.uncovered]);
  assert.match(c.automatic, /vmGainsHaircut, adl, socialisedLoss$/);
  // Worked: the haircut alone covers the VM gains; every tool in order covers those, then ADL, then the socialised
  // loss: the difference is what ADL and the socialised loss would have covered beyond the haircut.
  const haircut = chosen.recovery!.allocations.filter((a) => a.tool === 'vmGainsHaircut').reduce((s, a) => s + usd(a.amount), 0n);
  assert.equal(usd(chosen.recovery!.uncovered), residual - haircut);
  const tools = (d: DefaultCaseDetail) => new Map(d.waterfall!.layers.slice(6).map((l) => [l.name, usd(l.used)]));
  assert.equal(tools(automatic).get('vmGainsHaircut'), haircut, 'the same snapshot: the same haircut first');
  const beyond = [...tools(automatic)].filter(([name]) => name !== 'vmGainsHaircut').reduce((s, [, used]) => s + used, 0n);
  assert.equal(usd(c.difference!), beyond);
  assert.ok(beyond > 0n, 'the other tools covered something');
  assert.equal(report.score.lossAgainstAutomatic, c.difference);
  x.db.close();
  y.db.close();
});
