// Liquidation rows and plans as the contract's views: every amount, price and quantity a decimal string.
import type { Database } from 'better-sqlite3';
import type { LiquidationDetail, LiquidationFiguresView, LiquidationOrderView, LiquidationReason, LiquidationSummary } from '../../../shared/contract.ts';
import type { Instrument } from '../../engine/model.ts';
import type { AccountPlan, PlanFigures, PlannedOrder } from '../../engine/liquidationPlan.ts';
import type { LiquidationRow, OrderRow, OrderInsert } from '../../ledger/liquidationRepo.ts';
import { readOrders, readLiquidationEvents, readFills } from '../../ledger/liquidationRepo.ts';
import { readInstruments, ledgerMode } from '../../ledger/bookRepo.ts';
import { SIMULATE_REFUSED } from './simulate.ts';
import { listApprovals } from '../../ledger/approvalRepo.ts';
import { approvalView } from '../recovery/views.ts';
import { health } from '../../calculators/margin/run.ts';
import { formatAmount } from '../../../shared/units.ts';
import { lotsToQuantity, ticksToPrice } from '../console/accountView.ts';
import type { Verdict } from './automation.ts';

export function figuresJson(f: PlanFigures): LiquidationFiguresView {
  return {
    equity: formatAmount(f.equity),
    mm: formatAmount(f.mm),
    im: formatAmount(f.im),
    health: health(f.equity, f.mm),
    status: f.status,
    call: f.call === null ? null : formatAmount(f.call),
  };
}

export function orderRowOf(o: PlannedOrder, seq: number, proposedLots: bigint): OrderInsert {
  return {
    seq,
    instrument: o.instrument,
    isolated: o.isolated,
    side: o.side,
    proposedLots,
    lots: o.lots,
    mark: o.mark,
    price: o.price,
    notional: o.notional,
    liquidationFee: o.liquidationFee,
    insuranceFee: o.insuranceFee,
    bankruptcyPrice: o.bankruptcyPrice,
  };
}

export function orderView(o: OrderRow | (OrderInsert & { filledLots?: bigint }), inst: Instrument): LiquidationOrderView {
  return {
    seq: o.seq,
    instrument: o.instrument,
    isolated: o.isolated,
    side: o.side,
    proposedQuantity: lotsToQuantity(o.proposedLots, inst.lot),
    quantity: lotsToQuantity(o.lots, inst.lot),
    filledQuantity: lotsToQuantity(o.filledLots ?? 0n, inst.lot),
    mark: ticksToPrice(o.mark, inst.tick),
    estimatedPrice: ticksToPrice(o.price, inst.tick),
    notional: formatAmount(o.notional),
    fee: formatAmount(o.liquidationFee + o.insuranceFee),
    liquidationFee: formatAmount(o.liquidationFee),
    insuranceFee: formatAmount(o.insuranceFee),
    bankruptcyPrice: o.bankruptcyPrice,
  };
}

export function summaryView(l: LiquidationRow, fourEyesNotional: bigint, verdict: Verdict): LiquidationSummary {
  return {
    id: l.id,
    account: l.account,
    member: l.member,
    cycle: l.cycle,
    status: l.status,
    reasons: JSON.parse(l.reasons) as LiquidationReason[],
    before: JSON.parse(l.before) as LiquidationFiguresView,
    after: JSON.parse(l.after) as LiquidationFiguresView,
    notional: formatAmount(l.notional),
    fourEyes: l.notional > fourEyesNotional,
    edited: l.edited,
    approvedBy: l.approvedBy,
    confirmedBy: l.confirmedBy,
    automated: l.automated,
    automation: verdict,
    createdAt: l.createdAt,
    updatedAt: l.updatedAt,
  };
}

/**
 * A proposal's detail. `now`: the same orders estimated at the latest cycle's marks (a proposal the desk has not
 * decided on holds the figures of the cycle that decided its close): its figures are shown in place of the stored
 * ones, what it closes stays the stored proposal's.
 */
export function detailView(db: Database, stored: LiquidationRow, fourEyesNotional: bigint, verdict: Verdict, now?: AccountPlan): LiquidationDetail {
  const instruments = new Map(readInstruments(db).map((i) => [i.id, i]));
  const after = now ? JSON.stringify(figuresJson(now.after)) : null;
  const l = now ? { ...stored, before: JSON.stringify(figuresJson(now.before)), after: after!, proposedAfter: after!, notional: now.notional } : stored;
  const orders = readOrders(db, l.id).map((o) => {
    const e = now?.orders.find((x) => x.instrument === o.instrument);
    return e ? { ...o, mark: e.mark, price: e.price, notional: e.notional, liquidationFee: e.liquidationFee, insuranceFee: e.insuranceFee, bankruptcyPrice: e.bankruptcyPrice } : o;
  });
  return {
    ...summaryView(l, fourEyesNotional, verdict),
    proposedAfter: JSON.parse(l.proposedAfter) as LiquidationFiguresView,
    orders: orders.map((o) => orderView(o, instruments.get(o.instrument)!)),
    events: readLiquidationEvents(db, l.id).map((e) => ({ ...e, detail: JSON.parse(e.detail) as unknown })),
    fills: readFills(db, l.id).map((f) => {
      const o = orders.find((x) => x.seq === f.seq)!;
      const inst = instruments.get(o.instrument)!;
      return {
        id: f.id,
        seq: f.seq,
        at: f.at,
        actor: f.actor,
        quantity: lotsToQuantity(f.lots, inst.lot),
        price: ticksToPrice(f.price, inst.tick),
        simulated: f.simulated,
        realised: formatAmount(f.realised),
        fees: formatAmount(f.liquidationFee + f.insuranceFee),
      };
    }),
    approvals: listApprovals(db, { subject: `liquidation:${l.id}`, limit: 100 }).map(approvalView),
    simulatedFills: ledgerMode(db) === 'live' ? { allowed: false, why: SIMULATE_REFUSED } : { allowed: true, why: null },
  };
}
