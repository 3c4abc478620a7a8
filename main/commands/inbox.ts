// The "waiting for me" inbox (issue 22): every decision that waits for a second person, as the signed-in user may
// take it. The server says, per item, which channel and payload confirm or decline it and whether this user may;
// the console lists the items and sends what it is given. An off-band fill held for four eyes is an approval.
import type { CommandContext } from './context.ts';
import type { InboxItem } from '../../shared/contract.ts';
import { listApprovals } from '../ledger/approvalRepo.ts';
import { listLiquidations } from '../ledger/liquidationRepo.ts';
import { pendingWaivers } from '../ledger/callRepo.ts';
import { listCases } from '../ledger/defaultRepo.ts';
import { readPolicy } from '../ledger/bookRepo.ts';
import { confirmHeldRule } from './allowed/approvals.ts';
import { waiveRule } from './allowed/calls.ts';
import { confirmDeclarationRule } from './allowed/defaults.ts';
import { confirmRule } from './allowed/liquidations.ts';
import { channelRule, first, type Rule } from './allowed/verdict.ts';
import { formatAmount } from '../../shared/units.ts';
import { signOffsWaiting } from './playbooks/runs.ts';
import { signOffRule } from './allowed/playbooks.ts';

type Step = InboxItem['confirm'];

/**
 * The two steps of an item, or why this user cannot take the confirming one: the channel's role and the rule the
 * confirming command enforces (the same functions), and the declining channel's role.
 */
function steps(
  ctx: CommandContext,
  requestedBy: string,
  confirm: NonNullable<Step>,
  rule: () => Rule,
  decline: NonNullable<Step> | null,
): Pick<InboxItem, 'mine' | 'confirm' | 'decline' | 'why'> {
  const v = first(() => channelRule(ctx.actor, confirm.channel), rule);
  const mayDecline = decline !== null && channelRule(ctx.actor, decline.channel).ok;
  return { mine: requestedBy === ctx.actor.name, confirm: v.ok ? confirm : null, decline: mayDecline ? decline : null, why: v.ok ? null : v.why };
}

export function inboxList(ctx: CommandContext): InboxItem[] {
  const { db } = ctx;
  const items: InboxItem[] = [];
  const waiverLimit = readPolicy(db).fourEyesWaiver;
  for (const a of listApprovals(db, { status: 'pending', limit: 1_000 })) {
    items.push({
      kind: 'approval',
      id: a.id,
      subject: a.subject,
      summary: a.summary,
      requestedBy: a.requestedBy,
      requestedAt: a.requestedAt,
      ...steps(ctx, a.requestedBy, { channel: 'approvals.confirm', payload: { id: a.id }, needsReason: false }, () => confirmHeldRule(a, ctx.actor), { channel: 'approvals.decline', payload: { id: a.id }, needsReason: true }),
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
      ...steps(ctx, l.approvedBy ?? '', { channel: 'liquidations.approve', payload: { id: l.id }, needsReason: false }, () => confirmRule(l, ctx.actor), { channel: 'liquidations.reject', payload: { id: l.id }, needsReason: true }),
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
      ...steps(ctx, w.by, { channel: 'calls.waive', payload: { id: c.id }, needsReason: true }, () => waiveRule(ctx.actor, c, waiverLimit), null),
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
      ...steps(ctx, d.declaredBy, { channel: 'default.confirm', payload: { case: d.id }, needsReason: false }, () => confirmDeclarationRule(d, ctx.actor), { channel: 'default.withdraw', payload: { case: d.id }, needsReason: true }),
    });
  }
  for (const w of signOffsWaiting(ctx)) {
    items.push({
      kind: 'playbook',
      id: w.run,
      subject: `run:${w.run}`,
      summary: `second sign-off of step ${w.index} "${w.step.title}" of ${w.name} (run ${w.run})`,
      requestedBy: w.firstSigner,
      requestedAt: w.since,
      ...steps(ctx, w.firstSigner, { channel: 'playbooks.step', payload: { run: w.run }, needsReason: false }, () => signOffRule(w.step, w.firstSigner, ctx.actor), null),
    });
  }
  return items.sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : a.requestedAt > b.requestedAt ? 1 : 0));
}
