// dashboard.attention (issue 21 item 8): what needs the desk first, where the dashboard had room: calls due within
// the hour, decisions waiting for a second approver, stale prices, members on watch. Read-only.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { AttentionList, AttentionView } from '../../../shared/contractAttention.ts';
import { callsDueBetween, heldMarkTimes, membersOnWatch } from '../../ledger/attentionRepo.ts';
import { inboxList } from '../inbox.ts';
import { STALE_MS } from './dashboard.ts';
import { formatAmount } from '../../../shared/units.ts';

/** Items shown per list; the total says how many there are. */
const SHOWN = 8;
const DUE_WITHIN_MS = 3600 * 1000;

function list<T>(all: T[]): AttentionList<T> {
  return { total: all.length, items: all.slice(0, SHOWN) };
}

export function attentionView(ctx: CommandContext, _input: InputOf<'dashboard.attention'>): AttentionView {
  const { db } = ctx;
  const now = ctx.now();
  const at = now.toISOString();
  const due = callsDueBetween(db, at, new Date(now.getTime() + DUE_WITHIN_MS).toISOString());
  const awaiting = inboxList(ctx)
    .map((i) => ({ kind: i.kind, id: i.id, subject: i.subject, summary: i.summary, requestedBy: i.requestedBy, requestedAt: i.requestedAt }))
    .sort((a, b) => (a.requestedAt < b.requestedAt ? -1 : a.requestedAt > b.requestedAt ? 1 : a.id - b.id));
  const staleBefore = new Date(now.getTime() - STALE_MS).toISOString();
  const stale = heldMarkTimes(db).filter((m) => m.at === null || m.at < staleBefore);
  return {
    at,
    callsDue: list(due.map((c) => ({ id: c.id, account: c.account, member: c.member, outstanding: formatAmount(c.outstanding), deadline: c.deadline }))),
    awaitingSecond: list(awaiting),
    stalePrices: { ...list(stale), staleAfter: `${STALE_MS / 3_600_000} hours` },
    watch: list(membersOnWatch(db).map((member) => ({ member }))),
  };
}
