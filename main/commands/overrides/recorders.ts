// What the engine's automatic path would have done, written into an override's own journal entry (issue 21 item 2).
// Each override channel has a recorder: `before` reads what the command is about to change, `record` says, once the
// command has run in the same transaction, whether this was an override and what the automatic path was. A held
// request (a waiver or fill waiting for a second supervisor) is not yet an override: its confirmation is.
import type { Database } from 'better-sqlite3';
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { OverrideChannel, OverrideRecord } from '../../../shared/contractReports.ts';
import { AUTOMATIC_RECOVERY_TOOLS } from '../../../shared/contractRecovery.ts';
import { decimalPlaces, formatAmount, parseUnits, unitsOf } from '../../../shared/units.ts';
import { getCall, type CallRow } from '../../ledger/callRepo.ts';
import { getLiquidation, readFills, readOrders, type LiquidationRow, type OrderRow } from '../../ledger/liquidationRepo.ts';
import { readSwitches } from '../../ledger/automationRepo.ts';
import { trippedBreakers } from '../../ledger/breakerRepo.ts';
import { readInstruments } from '../../ledger/bookRepo.ts';
import { lotsNotional } from '../../engine/lotValue.ts';
import { compareCommand } from '../recovery/recoveryTools.ts';
import { caseDetail } from '../recovery/views.ts';
import { closeOutAgainstMarks } from './costs.ts';

interface Ran {
  output: unknown;
  result: unknown;
}

interface Recorder<C extends OverrideChannel, B> {
  before: (ctx: CommandContext, input: InputOf<C>) => B;
  record: (ctx: CommandContext, input: InputOf<C>, ran: Ran, before: B) => OverrideRecord | null;
}

const field = (v: unknown, k: string): unknown => (v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined);

function callOf(db: Database, id: number): CallRow | null {
  return getCall(db, id) ?? null;
}

function proposalOf(db: Database, id: number): { l: LiquidationRow; orders: OrderRow[] } | null {
  const l = getLiquidation(db, id);
  return l ? { l, orders: readOrders(db, id) } : null;
}

function ordersText(db: Database, orders: OrderRow[], lots: (o: OrderRow) => bigint): string {
  const inst = new Map(readInstruments(db).map((i) => [i.id, i]));
  const live = orders.filter((o) => lots(o) > 0n);
  if (live.length === 0) return 'no orders';
  return live.map((o) => `${o.side} ${unitsOf(lots(o), inst.get(o.instrument)!.lot)} ${o.instrument}`).join(', ');
}

/** A price in the instrument's units as a count of ticks (a mark is always on its tick). */
function ticksOf(price: string, tick: string): bigint {
  const dp = Math.max(decimalPlaces(price), decimalPlaces(tick));
  return parseUnits(price, dp, 'price') / parseUnits(tick, dp, 'tick');
}

const fees = (orders: OrderRow[], lots: (o: OrderRow) => bigint): bigint =>
  orders.reduce((s, o) => s + (o.lots === 0n ? 0n : ((o.liquidationFee + o.insuranceFee) * lots(o)) / o.lots), 0n);

/** A proposal's engine plan, as the automatic path would execute it. */
function engineFacts(db: Database, p: { l: LiquidationRow; orders: OrderRow[] }): Record<string, string> {
  return {
    liquidation: String(p.l.id),
    orders: ordersText(db, p.orders, (o) => o.proposedLots),
    notional: formatAmount(p.orders.reduce((s, o) => s + (o.lots === 0n ? 0n : (o.notional * o.proposedLots) / o.lots), 0n)),
    fees: formatAmount(fees(p.orders, (o) => o.proposedLots)),
  };
}

const waive: Recorder<'calls.waive', CallRow | null> = {
  before: (ctx, input) => callOf(ctx.db, input.id),
  record: (ctx, input, ran, c) => {
    if (!c || field(ran.output, 'status') !== 'waived') return null;
    const outstanding = formatAmount(c.amount - c.deposited);
    return {
      kind: 'waiver',
      subject: `call:${c.id}`,
      account: c.account,
      member: c.member,
      what: `waived ${outstanding} outstanding on call ${c.id} (account ${c.account})`,
      why: input.reason,
      automatic: `call ${c.id} stands: ${outstanding} due by ${c.deadline}, escalated to liquidation if unmet`,
      facts: { call: String(c.id), outstanding, deadline: c.deadline, ...(c.waiverRequest ? { requestedBy: c.waiverRequest.by } : {}) },
    };
  },
};

const extend: Recorder<'calls.extend', CallRow | null> = {
  before: (ctx, input) => callOf(ctx.db, input.id),
  record: (ctx, input, ran, c) => {
    if (!c) return null;
    const outstanding = formatAmount(c.amount - c.deposited);
    const to = String(field(ran.output, 'deadline'));
    return {
      kind: 'extension',
      subject: `call:${c.id}`,
      account: c.account,
      member: c.member,
      what: `extended call ${c.id} (account ${c.account}) from ${c.deadline} to ${to}`,
      why: input.reason,
      automatic: `call ${c.id} keeps its deadline ${c.deadline}: ${outstanding} unmet by then is escalated to liquidation`,
      facts: { call: String(c.id), outstanding, deadline: c.deadline, extendedTo: to },
    };
  },
};

function transition(kind: 'liquidation_rejected' | 'liquidation_held', verb: string): Recorder<'liquidations.reject' | 'liquidations.hold', ReturnType<typeof proposalOf>> {
  return {
    before: (ctx, input) => proposalOf(ctx.db, input.id),
    record: (ctx, input, _ran, p) => {
      if (!p) return null;
      const f = engineFacts(ctx.db, p);
      return {
        kind,
        subject: `liquidation:${p.l.id}`,
        account: p.l.account,
        member: p.l.member,
        what: `${verb} liquidation ${p.l.id} (account ${p.l.account})`,
        why: input.reason,
        automatic: `liquidation ${p.l.id} executes as the engine planned it: ${f.orders}; notional ${f.notional}, fees ${f.fees}`,
        facts: f,
      };
    },
  };
}

const approve: Recorder<'liquidations.approve', ReturnType<typeof proposalOf>> = {
  before: (ctx, input) => proposalOf(ctx.db, input.id),
  record: (ctx, input, _ran, p) => {
    if (!p || !input.orders) return null;
    const after = readOrders(ctx.db, p.l.id);
    if (!after.some((o) => o.lots !== o.proposedLots)) return null;
    const f = engineFacts(ctx.db, p);
    const desk = ordersText(ctx.db, after, (o) => o.lots);
    return {
      kind: 'liquidation_edited',
      subject: `liquidation:${p.l.id}`,
      account: p.l.account,
      member: p.l.member,
      what: `approved liquidation ${p.l.id} (account ${p.l.account}) with the desk's orders: ${desk}`,
      why: input.note ?? '',
      automatic: `the engine's orders, unedited: ${f.orders}; notional ${f.notional}, fees ${f.fees}`,
      facts: { ...f, deskOrders: desk, deskNotional: formatAmount(after.reduce((s, o) => s + o.notional, 0n)), deskFees: formatAmount(fees(after, (o) => o.lots)) },
    };
  },
};

/**
 * An off-band fill, booked: the automatic path fills at the mark. What the fill cost the account against that is
 * exact: the notional at the fill price less the notional at the mark, signed by the side (a sale below the mark and
 * a purchase above it cost the account).
 */
const fill: Recorder<'liquidations.fill', ReturnType<typeof proposalOf>> = {
  before: (ctx, input) => proposalOf(ctx.db, input.id),
  record: (ctx, input, ran, p) => {
    const check = field(ran.result, 'fillCheck') as { mark: string; markAt: string; band: string; offBand: boolean } | undefined;
    if (!p || !check?.offBand) return null;
    const inst = readInstruments(ctx.db).find((i) => i.id === input.instrument)!;
    const order = p.orders.find((o) => o.instrument === input.instrument && o.lots > 0n)!;
    // The fill this command booked: the newest on the proposal.
    const booked = readFills(ctx.db, p.l.id).at(-1)!;
    const price = unitsOf(booked.price, inst.tick);
    const fillNotional = lotsNotional(inst, booked.lots, booked.price);
    const markNotional = lotsNotional(inst, booked.lots, ticksOf(check.mark, inst.tick));
    const cost = order.side === 'sell' ? markNotional - fillNotional : fillNotional - markNotional;
    return {
      kind: 'off_band_fill',
      subject: `liquidation:${p.l.id}`,
      account: p.l.account,
      member: p.l.member,
      what: `filled ${order.side} ${input.quantity} ${inst.id} on liquidation ${p.l.id} at ${price}, outside the band of ${check.band} around the mark ${check.mark}`,
      // A fill carries no reason: the price is what the market gave.
      why: '',
      automatic: `a fill within the band: at the mark ${check.mark} (${check.markAt})`,
      facts: { liquidation: String(p.l.id), price, mark: check.mark, quantity: input.quantity, fillNotional: formatAmount(fillNotional), markNotional: formatAmount(markNotional), costAgainstMark: formatAmount(cost) },
    };
  },
};

const breaker: Recorder<'breakers.reset', { at: string; move: string } | null> = {
  before: (ctx, input) => {
    const b = trippedBreakers(ctx.db).find((x) => x.instrument === input.instrument);
    return b ? { at: b.trippedAt, move: `${b.windowFrom} to ${b.windowTo}` } : null;
  },
  record: (_ctx, input, _ran, b) => {
    if (!b) return null;
    return {
      kind: 'breaker_reset',
      subject: `instrument:${input.instrument}`,
      account: null,
      member: null,
      what: `reset the ${input.instrument} circuit breaker tripped at ${b.at}`,
      why: input.reason,
      automatic: `the breaker stays tripped: automation executes no ${input.instrument} liquidation until a person resets it`,
      facts: { instrument: input.instrument, trippedAt: b.at, window: b.move },
    };
  },
};

const switchName = (scope: string, target: string | undefined): string => (scope === 'global' ? 'global automation' : `automation for ${scope} ${target}`);

const automation: Recorder<'automation.set', boolean> = {
  before: (ctx, input) => {
    const target = input.target ?? '';
    const s = readSwitches(ctx.db).find((x) => x.scope === input.scope && x.target === target);
    // With no row, the global switch is off and an instrument or account follows it (automation.ts).
    return s ? s.enabled : input.scope !== 'global';
  },
  record: (_ctx, input, _ran, was) => {
    const name = switchName(input.scope, input.target);
    return {
      kind: 'automation_switch',
      subject: input.scope === 'global' ? 'automation:global' : `${input.scope}:${input.target}`,
      account: input.scope === 'account' ? input.target! : null,
      member: null,
      what: `turned ${name} ${input.enabled ? 'on' : 'off'}`,
      why: input.reason,
      automatic: was ? `${name} stays on: the engine executes eligible proposals at each cycle` : `${name} stays off: proposals wait for the desk`,
      facts: { scope: input.scope, target: input.target ?? '', was: was ? 'on' : 'off', now: input.enabled ? 'on' : 'off' },
    };
  },
};

/** The automatic path applies the recovery tools in the methodology's order (AUTOMATIC_RECOVERY_TOOLS). */
const allocate: Recorder<'default.allocate', { uncoveredAutomatic: string; uncoveredChosen: string; residual: string } | null> = {
  before: (ctx, input) => {
    const c = compareCommand(ctx, { case: input.case, a: [...AUTOMATIC_RECOVERY_TOOLS], b: input.tools });
    return { uncoveredAutomatic: c.policies[0].uncovered, uncoveredChosen: c.policies[1].uncovered, residual: c.residual };
  },
  record: (ctx, input, _ran, b) => {
    if (!b) return null;
    const member = caseDetail(ctx.db, input.case).member;
    return {
      kind: 'recovery_tools',
      subject: `case:${input.case}`,
      account: null,
      member,
      what: `allocated case ${input.case}'s residual ${b.residual} with ${input.tools.join(', ') || 'no tools'}`,
      why: '',
      automatic: `the recovery tools in the methodology's order (${AUTOMATIC_RECOVERY_TOOLS.join(', ')}): uncovered ${b.uncoveredAutomatic}`,
      facts: { case: String(input.case), residual: b.residual, tools: input.tools.join(' '), automaticTools: AUTOMATIC_RECOVERY_TOOLS.join(' '), uncovered: b.uncoveredChosen, automaticUncovered: b.uncoveredAutomatic },
    };
  },
};

const award: Recorder<'default.award', null> = {
  before: () => null,
  record: (ctx, input, ran) => {
    const c = caseDetail(ctx.db, input.case);
    const co = closeOutAgainstMarks(c);
    if (!co) return null;
    // The award's own entry carries the loss the engine's close-out would have taken at that moment, worked out in a
    // rolled-back savepoint (recovery/closeOut.ts): the automatic path, exact, as the playbook report reads it too.
    // Only when that close-out could not run is the automatic path priced at the marks.
    const exact = field(field(field(ran.result, 'automatic'), 'closeOutLoss'), 'loss');
    const automaticLoss = typeof exact === 'string' ? exact : co.automaticLoss;
    return {
      kind: 'auction_award',
      subject: `case:${c.id}`,
      account: null,
      member: c.member,
      what: `awarded case ${c.id}'s auction (member ${c.member}): loss ${co.loss}`,
      why: '',
      automatic: typeof exact === 'string' ? `the engine's close-out (default.closeOut) at that moment: loss ${automaticLoss}` : `close-out at the marks: loss ${automaticLoss}`,
      facts: { case: String(c.id), loss: co.loss, automaticLoss },
    };
  },
};

type AnyRecorder = Recorder<OverrideChannel, unknown>;

/** One recorder per override channel: the type makes a missing one a compile error, recorderFor a refusal. */
const RECORDERS: Record<OverrideChannel, unknown> = {
  'calls.waive': waive,
  'calls.extend': extend,
  'liquidations.reject': transition('liquidation_rejected', 'rejected'),
  'liquidations.hold': transition('liquidation_held', 'held'),
  'liquidations.approve': approve,
  'liquidations.fill': fill,
  'breakers.reset': breaker,
  'automation.set': automation,
  'default.allocate': allocate,
  'default.award': award,
};

export function recorderFor(channel: OverrideChannel): AnyRecorder {
  const r = (RECORDERS as Record<string, AnyRecorder | undefined>)[channel];
  if (!r) throw new Error(`override channel ${channel} has no recorder of its automatic alternative`);
  return r;
}
