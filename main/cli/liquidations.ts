// `riskdesk liquidations ...`, `riskdesk automation ...`, `riskdesk breakers reset`: the liquidation desk from the
// command line, through the same command layer as the console.
import type { Channel, LiquidationDetail, LiquidationSummary, AutomationStatus } from '../../shared/contract.ts';
import { InputError } from '../../shared/errors.ts';
import { table } from '../text/table.ts';
import type { CliIo, Writer } from './io.ts';

export interface CliDoor {
  run(channel: Channel, payload: unknown): Promise<unknown>;
  json: boolean;
  opt(key: string): string | boolean | undefined;
  need(key: string, what: string): string;
  id(): number;
  io: CliIo;
}

export function emit(door: CliDoor, value: unknown, human: (out: Writer) => void): void {
  if (door.json) door.io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  else human(door.io.stdout);
}

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

export async function liquidationsCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub] = rest;
  const detail = async (channel: Channel, payload: unknown): Promise<number> => {
    const d = (await door.run(channel, payload)) as LiquidationDetail;
    emit(door, d, (out) => printDetail(out, d));
    return 0;
  };
  switch (sub) {
    case undefined:
    case 'list': {
      const payload: Record<string, unknown> = {};
      const status = door.opt('status');
      const account = door.opt('account');
      if (typeof status === 'string') payload.status = status;
      else payload.live = true;
      if (typeof account === 'string') payload.account = account;
      const rows = (await door.run('liquidations.list', payload)) as LiquidationSummary[];
      emit(door, rows, (out) => printSummaries(out, rows));
      return 0;
    }
    case 'show':
      return detail('liquidations.get', { id: door.id() });
    case 'approve': {
      const orders = door.opt('orders');
      const note = door.opt('note');
      return detail('liquidations.approve', {
        id: door.id(),
        ...(typeof orders === 'string' ? { orders: parseOrders(orders) } : {}),
        ...(typeof note === 'string' ? { note } : {}),
      });
    }
    case 'reject':
    case 'hold':
      return detail(`liquidations.${sub}`, { id: door.id(), reason: door.need('reason', 'why') });
    case 'release':
      return detail('liquidations.release', { id: door.id() });
    case 'fill': {
      const price = door.opt('price');
      const simulate = door.opt('simulate') === true;
      if ((typeof price === 'string') === simulate) throw new InputError('give --price P for a fill entered by hand, or --simulate for a fill at the estimated price', { field: 'price' });
      return detail('liquidations.fill', {
        id: door.id(),
        instrument: door.need('instrument', 'the order to fill'),
        quantity: door.need('quantity', 'the quantity filled'),
        ...(simulate ? { simulate: true } : { price }),
      });
    }
    default:
      throw new InputError(`unknown liquidations subcommand "${sub}": list, show, approve, reject, hold, release, fill`);
  }
}

export async function automationCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub] = rest;
  let s: AutomationStatus;
  if (sub === undefined || sub === 'status') s = (await door.run('automation.status', {})) as AutomationStatus;
  else if (sub === 'on' || sub === 'off') {
    const scope = door.opt('scope') ?? 'global';
    const target = door.opt('target');
    s = (await door.run('automation.set', {
      scope,
      ...(typeof target === 'string' ? { target } : {}),
      enabled: sub === 'on',
      reason: door.need('reason', 'why'),
    })) as AutomationStatus;
  } else throw new InputError(`unknown automation subcommand "${sub}": status, on, off`);
  emit(door, s, (out) => printAutomation(out, s));
  return 0;
}

export async function breakersCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub] = rest;
  if (sub !== 'reset') throw new InputError('usage: riskdesk breakers reset --instrument I --reason R --as USER');
  const s = (await door.run('breakers.reset', { instrument: door.need('instrument', 'the instrument'), reason: door.need('reason', 'why') })) as AutomationStatus;
  emit(door, s, (out) => printAutomation(out, s));
  return 0;
}
