// `riskdesk fund history|status|draw`: the insurance fund from the command line, through the same command layer as
// the console. history lists a fund's entries with the balance after each; status the balance against its floor and
// the open shortfalls; draw asks to cover one shortfall from the fund, which a second supervisor confirms
// (`riskdesk approvals confirm --id N`). Each is one channel: its flags come from the channel's schema (oneChannel.ts).
import type { FundEntryView } from '../../shared/contract.ts';
import type { InsuranceFundView } from '../../shared/contractFunds.ts';
import type { InputOf } from '../../shared/contract.ts';
import { oneChannel, type ChannelCommand } from './oneChannel.ts';
import type { Writer } from './io.ts';
import { table } from '../text/table.ts';

function printHistory(out: Writer, fund: string, rows: FundEntryView[]): void {
  if (rows.length === 0) return void out.write(`the ${fund} fund has no entries\n`);
  out.write(`${fund} fund: balance ${rows[0]!.balance}\n`);
  table(
    out,
    ['entry', 'at', 'kind', 'amount', 'balance', 'liquidation', 'by', 'note'],
    rows.map((e) => [String(e.id), e.at, e.kind, e.amount, e.balance, e.liquidation === null ? '' : String(e.liquidation), e.actor, e.note]),
    [3, 4],
  );
}

function printStatus(out: Writer, v: InsuranceFundView): void {
  out.write(`insurance fund ${v.balance}, floor ${v.floor}${v.belowFloor ? ': DEPLETED (below its floor)' : ''}\n`);
  out.write(`open shortfalls ${v.openTotal}; the fund can cover ${v.drawable}\n`);
  if (v.openShortfalls.length > 0) {
    table(out, ['shortfall', 'account', 'member', 'amount', 'liquidation', 'at'], v.openShortfalls.map((s) => [String(s.id), s.account, s.member, s.amount, s.liquidation === null ? '' : String(s.liquidation), s.at]), [3]);
  }
}

export const FUND_COMMANDS: readonly ChannelCommand[] = [
  oneChannel('fund history', 'funds.history', "a fund's entries, balance after each", (out, rows: FundEntryView[], input: InputOf<'funds.history'>) => printHistory(out, input.fund, rows), {
    fields: { fund: { default: 'insurance' } },
  }),
  oneChannel('fund status', 'funds.insurance', 'the insurance fund against its floor, and the open shortfalls', printStatus, { isDefault: true }),
  oneChannel('fund draw', 'funds.draw', 'cover a shortfall from the insurance fund (a second supervisor confirms)', (out, _v: InsuranceFundView, input: InputOf<'funds.draw'>) =>
    out.write(`asked to cover shortfall ${input.shortfall} from the insurance fund: a second supervisor confirms it (riskdesk approvals confirm --id N)\n`),
  ),
];
