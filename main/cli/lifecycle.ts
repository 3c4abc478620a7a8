// `riskdesk lifecycle [run|overview|account|deliveries|limits]`: settle expired futures and options and pay due
// funding (what a cycle does first), show what was paid and settled, per instrument or per account, and the position
// limits with every breach present now, through the same command layer as the console. Each is one channel: its flags
// come from the channel's schema (oneChannel.ts); here are the tables a person reads.
import type { AccountLifecycleView, DeliveryRiskView, LifecycleOverview, LifecycleResult, LimitsView, OptionExpired } from '../../shared/contractLifecycle.ts';
import { oneChannel, type ChannelCommand } from './oneChannel.ts';
import type { Writer } from './io.ts';
import { table } from '../text/table.ts';

function printResult(out: Writer, r: LifecycleResult): void {
  const options = r.options ?? [];
  out.write(`lifecycle as of ${r.at}: ${r.settled.length} futures settled, ${r.funding.length} funding times paid${options.length ? `, ${options.length} options expired` : ''}\n`);
  if (r.settled.length) table(out, ['settled', 'expiry', 'price', 'rule', 'positions', 'realised'], r.settled.map((s) => [s.instrument, s.expiry, s.price, s.rule, String(s.positions), s.realised]), [4, 5]);
  if (options.length) optionTable(out, options);
  if (r.funding.length) table(out, ['funding', 'at', 'rate', 'mark', 'positions', 'debited', 'credited', 'house'], r.funding.map((f) => [f.instrument, f.at, f.rate, f.mark, String(f.positions), f.debited, f.credited, f.house]), [4, 5, 6, 7]);
  for (const u of r.unsettled) out.write(`NOT SETTLED ${u.instrument}: ${u.why}\n`);
  for (const u of r.unpriced) out.write(`NOT PAID funding of ${u.instrument} at ${u.at}: no mark at or before it\n`);
  for (const b of r.limitBreaches ?? []) out.write(`LIMIT BREACHED by exercise at expiry: ${b.message}\n`);
}

function optionTable(out: Writer, rows: OptionExpired[]): void {
  const outcome = (o: OptionExpired) => (!o.inTheMoney ? 'worthless' : o.settles === 'cash' ? 'cash' : `into ${o.into}`);
  table(
    out,
    ['option', 'expiry', 'underlying', 'rule', 'outcome', 'exercised', 'assigned', 'assignment'],
    rows.map((o) => [o.instrument, o.expiry, o.underlyingPrice, o.rule, outcome(o), o.exercised, o.assigned, o.method === 'random' ? `random ${o.seed}` : 'pro rata']),
    [2, 5, 6],
  );
}

function printOverview(out: Writer, v: LifecycleOverview): void {
  out.write(`funding account: ${v.fundingAccount} USD\n`);
  table(out, ['funding', 'at', 'rate', 'mark', 'positions', 'debited', 'credited', 'house', 'residue'], v.funding.map((f) => [f.instrument, f.at, f.rate, f.mark, String(f.positions), f.debited, f.credited, f.house, f.residue]), [4, 5, 6, 7, 8]);
  table(out, ['settled', 'expiry', 'price', 'rule', 'positions', 'realised', 'at'], v.settlements.map((s) => [s.instrument, s.expiry, s.price, s.rule, String(s.positions), s.realised, s.settledAt]), [4, 5]);
  if (v.optionExpiries.length) optionTable(out, v.optionExpiries);
  out.write(`next 30 days (to ${v.ladder.to}):\n`);
  const members = (m: { member: string; positions: number }[]) => m.map((x) => `${x.member} ${x.positions}`).join(', ');
  table(out, ['expires', 'at', 'positions', 'members'], v.ladder.expiries.map((e) => [e.instrument, e.expiry, String(e.positions), members(e.members)]), [2]);
  table(out, ['funding', 'at', 'rate', 'members'], v.ladder.funding.map((f) => [f.instrument, f.at, f.rate, members(f.members)]));
}

function printAccount(out: Writer, v: AccountLifecycleView): void {
  table(out, ['funding', 'at', 'quantity', 'value', 'rate', 'mark', 'amount'], v.funding.map((p) => [p.instrument, p.at, p.quantity, p.value, p.rate, p.mark, p.amount]), [2, 3, 6]);
  table(out, ['settled', 'at', 'quantity', 'price', 'rule', 'realised', 'cash'], v.expiries.map((c) => [c.instrument, c.settledAt, c.quantity, c.price, c.rule, c.realised, c.cash]), [2, 5, 6]);
  if (v.options.length) {
    const into = (o: AccountLifecycleView['options'][number]) => (o.into ? `${o.underlyingQuantity} ${o.into}` : 'cash');
    table(out, ['option', 'at', 'quantity', 'underlying', 'lots', 'into', 'cash', 'realised'], v.options.map((o) => [o.instrument, o.settledAt, o.quantity, o.underlyingPrice, o.lots, into(o), o.cash, o.realised]), [2, 3, 4, 6, 7]);
  }
}

function printLimits(out: Writer, v: LimitsView): void {
  const d = (x: string | null) => x ?? '-';
  table(out, ['scope', 'subject', 'instrument', 'max position', 'max notional', 'max leverage', 'max OI share'], v.limits.map((l) => [l.scope, l.subject, l.instrument, d(l.maxPosition), d(l.maxNotional), d(l.maxLeverage), d(l.maxOiShare)]));
  for (const b of v.breaches) out.write(`BREACH ${b.message}\n`);
}

export const LIFECYCLE_COMMANDS: readonly ChannelCommand[] = [
  oneChannel('lifecycle overview', 'lifecycle.overview', "funding paid, futures settled, the next 30 days' expiries and funding", printOverview, { isDefault: true }),
  oneChannel('lifecycle account', 'lifecycle.account', "one account's funding payments and positions settled at expiry", printAccount),
  oneChannel('lifecycle run', 'lifecycle.run', 'settle expired futures and pay due funding now (a cycle does it first)', printResult),
  oneChannel('lifecycle deliveries', 'lifecycle.deliveries', 'physical deliveries due in the next days (7 unless --days), per position', (out, v: DeliveryRiskView) =>
    table(out, ['instrument', 'expiry', 'account', 'member', 'asset', 'quantity', 'cash', 'holding', 'short'], v.due.map((d) => [d.instrument, d.expiry, d.account, d.member, d.asset, d.quantity, d.cash, d.holding, d.short]), [5, 6, 7, 8]),
  ),
  oneChannel('lifecycle limits', 'limits.list', 'position limits and every breach present now', printLimits),
];
