// Execution of an approved liquidation (design.md §2.3): fills entered by hand, simulated at the estimated price in
// drills, or made by automation at the estimate. Each fill shrinks the position, pays realised P&L less fees into
// the unit, and books the fees into liquidation revenue and the insurance fund. When every order is filled the
// account is valued again: its margin call is settled if it is back at initial margin, and negative equity left
// with no positions to close is recorded as a shortfall for default management.
import type { Database } from 'better-sqlite3';
import type { Instrument, Policy } from '../../engine/model.ts';
import type { Settlement } from '../../engine/closeMath.ts';
import { SETTLEMENT_ASSET } from '../../engine/closeMath.ts';
import { applyFill, FillError } from '../../engine/fill.ts';
import { exactAccount, exactContext } from '../../engine/exactAccount.ts';
import { restoreNeed } from '../../engine/calls.ts';
import { readAccountBook, readAssets, readPositions, assetPriceAt } from '../../ledger/bookRepo.ts';
import {
  readOrders,
  insertFill,
  addFilledLots,
  setLiquidation,
  addLiquidationEvent,
  type LiquidationRow,
  type OrderRow,
} from '../../ledger/liquidationRepo.ts';
import { writePosition, addCollateral } from '../../ledger/holdingsRepo.ts';
import { addFundEntry } from '../../ledger/fundRepo.ts';
import { addShortfall } from '../../ledger/shortfallRepo.ts';
import { activeCallsByAccount, heldCallsByAccount, callWriter } from '../../ledger/callRepo.ts';
import { formatAmount, unitsOf } from '../../../shared/units.ts';
import { InputError, RuleError } from '../../../shared/errors.ts';
import { fillableRule } from '../allowed/liquidations.ts';
import { enforce } from '../allowed/verdict.ts';

export interface FillRequest {
  liquidation: LiquidationRow;
  order: OrderRow;
  lots: bigint;
  price: bigint;
  simulated: boolean;
  actor: string;
  at: string;
  /** The time prices are taken at when the account is valued after its last fill. */
  priceTime: string;
}

/** The settlement holding's asset and its price at `asOf`. */
export function settlementAt(db: Database, asOf: string): Settlement {
  const asset = readAssets(db).find((a) => a.id === SETTLEMENT_ASSET);
  const price = assetPriceAt(db, SETTLEMENT_ASSET, asOf);
  if (!asset || price === null) {
    throw new RuleError('no_settlement_asset', `liquidations settle in ${SETTLEMENT_ASSET}: the ledger has no ${SETTLEMENT_ASSET} asset with a price at or before ${asOf}`);
  }
  return { asset, price };
}

export function recordFill(db: Database, policy: Policy, inst: Instrument, settlement: Settlement, f: FillRequest): void {
  const { liquidation: l, order: o } = f;
  enforce(fillableRule(l));
  const left = o.lots - o.filledLots;
  if (f.lots > left) {
    throw new InputError(`order ${o.seq} (${o.instrument}) has ${left} lots left to fill, not ${f.lots}`, { field: 'quantity' });
  }
  const pos = readPositions(db, l.account).find((p) => p.instrument === o.instrument);
  if (!pos) throw new RuleError('no_position', `account ${l.account} no longer holds ${o.instrument}`);
  let out;
  try {
    out = applyFill(pos, inst, f.lots, f.price, policy, settlement);
  } catch (e) {
    if (e instanceof FillError) throw new RuleError('fill_refused', e.message);
    throw e;
  }
  writePosition(db, out.position ?? { account: l.account, instrument: o.instrument, closed: true });
  addCollateral(db, l.account, settlement.asset.id, out.settlementDelta);
  const fill = insertFill(db, {
    liquidation: l.id,
    seq: o.seq,
    at: f.at,
    actor: f.actor,
    lots: f.lots,
    price: f.price,
    simulated: f.simulated,
    realised: out.effect.realised,
    liquidationFee: out.effect.liquidationFee,
    insuranceFee: out.effect.insuranceFee,
    settlementDelta: out.settlementDelta,
  });
  addFilledLots(db, l.id, o.seq, f.lots);
  const note = `liquidation ${l.id} ${o.instrument}`;
  addFundEntry(db, { fund: 'liquidation_revenue', at: f.at, actor: f.actor, kind: 'fee', amount: out.effect.liquidationFee, liquidation: l.id, fill, note });
  addFundEntry(db, { fund: 'insurance', at: f.at, actor: f.actor, kind: 'fee', amount: out.effect.insuranceFee, liquidation: l.id, fill, note });
  if (out.shortfall > 0n) {
    addShortfall(db, { account: l.account, liquidation: l.id, amount: out.shortfall, at: f.at, note: `isolated ${o.instrument} closed with negative margin` });
  }
  addLiquidationEvent(db, l.id, {
    at: f.at,
    actor: f.actor,
    kind: 'filled',
    note: `${o.side} ${unitsOf(f.lots, inst.lot)} ${o.instrument} at ${unitsOf(f.price, inst.tick)}${f.simulated ? ' (the estimated price)' : ''}; realised ${formatAmount(out.effect.realised)}, fees ${formatAmount(out.effect.liquidationFee + out.effect.insuranceFee)}`,
    detail: JSON.stringify({ fill, seq: o.seq, lots: String(f.lots), price: String(f.price), simulated: f.simulated }),
  });
  const done = readOrders(db, l.id).every((x) => x.filledLots >= x.lots);
  if (!done) {
    if (l.status !== 'executing') setLiquidation(db, l.id, { status: 'executing' }, f.at);
    return;
  }
  setLiquidation(db, l.id, { status: 'executed' }, f.at);
  settleAfterExecution(db, l, f);
}

function settleAfterExecution(db: Database, l: LiquidationRow, f: FillRequest): void {
  const book = readAccountBook(db, l.account, f.priceTime);
  const ctx = exactContext(book);
  const r = exactAccount(ctx, l.account, book.positions.map((_, i) => i), book.collateral.map((_, i) => i));
  const notes: string[] = [];
  const crossOpen = book.positions.some((p) => p.isolatedMargin === null);
  if (!crossOpen && r.equity < 0n) {
    addShortfall(db, { account: l.account, liquidation: l.id, amount: -r.equity, at: f.at, note: 'negative equity after the liquidation' });
    notes.push(`shortfall ${formatAmount(-r.equity)} handed to default management`);
  }
  const need = restoreNeed(r, book.policy.amountScale);
  const call = activeCallsByAccount(db).get(l.account) ?? heldCallsByAccount(db).get(l.account);
  if (call && call.status !== 'waived') {
    const calls = callWriter(db);
    if (need === 0n) {
      calls.update(call.id, { amount: call.amount, deposited: call.deposited, deadline: call.deadline, status: 'met', at: f.at });
      calls.event(call.id, { at: f.at, actor: f.actor, kind: 'met', amount: null, note: `liquidation ${l.id} restored initial margin` });
      notes.push(`margin call ${call.id} met`);
    } else {
      notes.push(`margin call ${call.id} kept: ${formatAmount(need)} still short of initial margin`);
    }
  }
  addLiquidationEvent(db, l.id, {
    at: f.at,
    actor: f.actor,
    kind: 'executed',
    note: [`equity ${formatAmount(r.equity)}, MM ${formatAmount(r.mm)}, status ${r.status}`, ...notes].join('; '),
    detail: JSON.stringify({ equity: formatAmount(r.equity), mm: formatAmount(r.mm), im: formatAmount(r.im), status: r.status }),
  });
}
