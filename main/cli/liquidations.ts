// `riskdesk liquidations ...`, `riskdesk automation ...`, `riskdesk breakers reset`: the liquidation desk from the
// command line, through the same command layer as the console. Each form is one channel: its flags, usage and help
// come from the channel's schema (oneChannel.ts); here are the words, the --orders parser and the tables.
import type { LiquidationDetail, LiquidationSummary, AutomationStatus } from '../../shared/contract.ts';
import { InputError } from '../../shared/errors.ts';
import { table } from '../text/table.ts';
import type { Writer } from './io.ts';
import { oneChannel as command, type ChannelCommand } from './oneChannel.ts';

/** --orders BTC-PERP=0.5,ETH-PERP=2 as the contract's order edits. */
export function parseOrders(s: string): { instrument: string; quantity: string }[] {
  return s.split(',').map((part, i) => {
    const m = /^\s*([^=\s]+)\s*=\s*([^\s]+)\s*$/.exec(part);
    if (!m) throw new InputError(`--orders entry ${i + 1} "${part}" must look like INSTRUMENT=QUANTITY`, { field: 'orders' });
    return { instrument: m[1]!, quantity: m[2]! };
  });
}

function printSummaries(out: Writer, rows: LiquidationSummary[]): void {
  table(
    out,
    ['id', 'account', 'member', 'status', 'health', 'after', 'notional', 'four eyes', 'automation'],
    rows.map((l) => [
      String(l.id),
      l.account,
      l.member,
      l.status,
      l.before.health ?? 'inf',
      l.after.health ?? 'inf',
      l.notional,
      l.fourEyes ? 'yes' : '',
      l.automation.allowed ? 'next cycle' : l.automation.why,
    ]),
    [4, 5, 6],
  );
}

function printDetail(out: Writer, d: LiquidationDetail): void {
  out.write(`liquidation ${d.id} of ${d.account} (${d.member}), cycle ${d.cycle}: ${d.status}\n`);
  for (const r of d.reasons) out.write(`  why: ${r.text}\n`);
  table(
    out,
    ['', 'equity', 'MM', 'IM', 'health', 'status'],
    [
      ['before', d.before.equity, d.before.mm, d.before.im, d.before.health ?? 'inf', d.before.status],
      ['engine', d.proposedAfter.equity, d.proposedAfter.mm, d.proposedAfter.im, d.proposedAfter.health ?? 'inf', d.proposedAfter.status],
      ['orders', d.after.equity, d.after.mm, d.after.im, d.after.health ?? 'inf', d.after.status],
    ],
    [1, 2, 3, 4],
  );
  table(
    out,
    ['#', 'instrument', 'side', 'engine qty', 'qty', 'filled', 'mark', 'est. price', 'fee', 'bankr. price'],
    d.orders.map((o) => [String(o.seq), o.instrument, o.side, o.proposedQuantity, o.quantity, o.filledQuantity, o.mark, o.estimatedPrice, o.fee, o.bankruptcyPrice ?? '-']),
    [3, 4, 5, 6, 7, 8, 9],
  );
  for (const a of d.approvals.filter((x) => x.status === 'pending')) {
    out.write(`waiting for a second supervisor (approval ${a.id}, asked by ${a.requestedBy}): ${a.summary}\n`);
  }
}

function printAutomation(out: Writer, s: AutomationStatus): void {
  out.write(`automation: ${s.globalEnabled ? 'ON' : 'off'}; insurance fund ${s.funds.insurance}, liquidation revenue ${s.funds.liquidationRevenue}\n`);
  if (s.switches.length) table(out, ['scope', 'target', 'enabled', 'by', 'at', 'reason'], s.switches.map((w) => [w.scope, w.target, String(w.enabled), w.updatedBy, w.updatedAt, w.reason]));
  if (s.tripped.length) table(out, ['tripped', 'at', 'low', 'high', 'move', 'band'], s.tripped.map((b) => [b.instrument, b.trippedAt, b.low, b.high, b.move, b.band]));
  else out.write('no circuit breaker tripped\n');
}

const detail = (out: Writer, d: LiquidationDetail) => printDetail(out, d);

export const LIQUIDATION_COMMANDS: readonly ChannelCommand[] = [
  command('liquidations list', 'liquidations.list', 'live liquidation proposals (or those in --status)', printSummaries, {
    isDefault: true,
    // Without a status the queue a person works: the live proposals. `live` is the console's filter, not a flag.
    fills: ['live'],
    complete: (input) => (input.status === undefined ? { ...input, live: true } : input),
  }),
  command('liquidations show', 'liquidations.get', 'one proposal: why, before and after, its orders', detail),
  command('liquidations approve', 'liquidations.approve', 'approve a proposal, its orders edited with --orders', detail, {
    fields: { orders: { placeholder: 'I=Q,...', means: 'edited order quantities, INSTRUMENT=QUANTITY separated by commas', parse: parseOrders } },
  }),
  command('liquidations reject', 'liquidations.reject', 'reject a proposal', detail),
  command('liquidations hold', 'liquidations.hold', 'hold a proposal', detail),
  command('liquidations release', 'liquidations.release', 'release a held proposal', detail),
  command('liquidations fill', 'liquidations.fill', 'a fill of an approved order: --price P by hand, or --simulate at the estimate (drills)', detail, {
    fields: { simulate: { means: 'fill at the order\'s estimated price (a drill\'s ledger only)' } },
  }),
  command('automation status', 'automation.status', 'automation switches, funds and tripped breakers', printAutomation, { isDefault: true }),
  command('automation on', 'automation.set', 'let the next cycles liquidate without a person (supervisor)', printAutomation, { fixed: { enabled: true }, fields: { scope: { default: 'global' } } }),
  command('automation off', 'automation.set', 'stop automatic liquidation (supervisor)', printAutomation, { fixed: { enabled: false }, fields: { scope: { default: 'global' } } }),
  command('breakers reset', 'breakers.reset', 'reset a tripped circuit breaker (supervisor)', printAutomation),
];
