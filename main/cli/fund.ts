// `riskdesk fund history|status|draw`: the insurance fund from the command line, through the same command layer as
// the console. history lists a fund's entries with the balance after each; status the balance against its floor and
// the open shortfalls; draw asks to cover one shortfall from the fund, which a second supervisor confirms
// (`riskdesk approvals confirm --id N`).
import type { FundEntryView } from '../../shared/contract.ts';
import type { InsuranceFundView } from '../../shared/contractFunds.ts';
import { InputError } from '../../shared/errors.ts';
import { emit, type CliDoor } from './liquidations.ts';
import type { Writer } from './io.ts';
import { table } from '../text/table.ts';

const FUNDS = ['insurance', 'liquidation_revenue'] as const;

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

export async function fundCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub = 'status', ...extra] = rest;
  if (extra.length > 0) throw new InputError(`fund ${sub} takes options only, not "${extra.join(' ')}"`);
  if (sub === 'history') {
    const fund = (door.opt('fund') as string | undefined) ?? 'insurance';
    if (!(FUNDS as readonly string[]).includes(fund)) throw new InputError(`--fund must be ${FUNDS.join(' or ')}, not "${fund}"`, { field: 'fund' });
    const limit = door.opt('limit') as string | undefined;
    if (limit !== undefined && !/^[1-9]\d{0,4}$/.test(limit)) throw new InputError(`--limit must be a whole number from 1 to 10000, not "${limit}"`, { field: 'limit' });
    const rows = (await door.run('funds.history', { fund, ...(limit === undefined ? {} : { limit: Number(limit) }) })) as FundEntryView[];
    emit(door, rows, (out) => printHistory(out, fund, rows));
    return 0;
  }
  if (sub === 'status') {
    const v = (await door.run('funds.insurance', {})) as InsuranceFundView;
    emit(door, v, (out) => printStatus(out, v));
    return 0;
  }
  if (sub === 'draw') {
    const shortfall = door.need('shortfall', 'the open shortfall the draw covers (riskdesk fund status lists them)');
    if (!/^[1-9]\d{0,15}$/.test(shortfall)) throw new InputError(`--shortfall must be a shortfall id, not "${shortfall}"`, { field: 'shortfall' });
    const v = (await door.run('funds.draw', { shortfall: Number(shortfall), reason: door.need('reason', 'why the fund covers it') })) as InsuranceFundView;
    emit(door, v, (out) => out.write(`asked to cover shortfall ${shortfall} from the insurance fund: a second supervisor confirms it (riskdesk approvals confirm --id N)\n`));
    return 0;
  }
  throw new InputError(`unknown fund subcommand "${sub}": history, status, draw`);
}
