// The "waiting for me" inbox (issue 22): every decision that waits for a second person, as the signed-in user may
// take it. The server says, per item, which channel and payload confirm or decline it and whether this user may;
// the console lists the items and sends what it is given. An off-band fill held for four eyes is an approval.
import type { CommandContext } from './context.ts';
import type { InboxItem } from '../../shared/contract.ts';
import { listApprovals } from '../ledger/approvalRepo.ts';
import { listLiquidations } from '../ledger/liquidationRepo.ts';
import { pendingWaivers } from '../ledger/callRepo.ts';
import { listCases } from '../ledger/defaultRepo.ts';
import { roleAllows } from '../../shared/roles.ts';
import { formatAmount } from '../../shared/units.ts';

type Step = InboxItem['confirm'];

/** The two steps of an item, or why this user cannot take the confirming one. */
function steps(ctx: CommandContext, requestedBy: string, confirm: NonNullable<Step>, decline: NonNullable<Step> | null): Pick<InboxItem, 'mine' | 'confirm' | 'decline' | 'why'> {
  const me = ctx.actor.name;
  const supervisor = roleAllows(ctx.actor.role, 'supervisor');
  const mine = requestedBy === me;
  let why: string | null = null;
  if (!supervisor) why = 'a supervisor decides it';
  else if (mine) why = 'you asked for it: a second, different supervisor confirms it';
  return { mine, confirm: why === null ? confirm : null, decline: supervisor ? decline : null, why };
}

export function inboxList(ctx: CommandContext): InboxItem[] {
  const { db } = ctx;
  const items: InboxItem[] = [];
  for (const a of listApprovals(db, { status: 'pending', limit: 1_000 })) {
    items.push({
      kind: 'approval',
      id: a.id,
      subject: a.subject,
      summary: a.summary,
      requestedBy: a.requestedBy,
      requestedAt: a.requestedAt,
      ...steps(ctx, a.requestedBy, { channel: 'approvals.confirm', payload: { id: a.id }, needsReason: false }, { channel: 'approvals.decline', payload: { id: a.id }, needsReason: true }),
    });
  }
  for (const l of listLiquidations(db, { status: 'pending_second', limit: 1_000 })) {
    items.push({
      kind: 'liquidation',
      id: l.id,
      subject: `liquidation:${l.id}`,
      summary: `confirm liquidation ${l.id} of account ${l.account}, closing ${formatAmount(l.notional)}`,
      requestedBy: l.approvedBy ?? '',
      requestedAt: l.approvedAt ?? l.updatedAt,
      ...steps(ctx, l.approvedBy ?? '', { channel: 'liquidations.approve', payload: { id: l.id }, needsReason: false }, { channel: 'liquidations.reject', payload: { id: l.id }, needsReason: true }),
    });
  }
  for (const c of pendingWaivers(db)) {
    const w = c.waiverRequest!;
    items.push({
      kind: 'waiver',
      id: c.id,
      subject: `call:${c.id}`,
      summary: `waive ${formatAmount(w.amount)} on margin call ${c.id} of account ${c.account}: ${w.reason}`,
      requestedBy: w.by,
      requestedAt: w.at,
      ...steps(ctx, w.by, { channel: 'calls.waive', payload: { id: c.id }, needsReason: true }, null),
    });
  }
  for (const d of listCases(db).filter((x) => x.status === 'pending_second')) {
    items.push({
      kind: 'declaration',
      id: d.id,
      subject: `case:${d.id}`,
      summary: `confirm the default of member ${d.member}: ${d.reason}`,
      requestedBy: d.declaredBy,
      requestedAt: d.declaredAt,
      ...steps(ctx, d.declaredBy, { channel: 'default.confirm', payload: { case: d.id }, needsReason: false }, { channel: 'default.withdraw', payload: { case: d.id }, needsReason: true }),
    });
  }
  return items.sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : a.requestedAt > b.requestedAt ? 1 : 0));
}
