// `riskdesk policies [list]`, `policies history KEY` and `policies change KEY VALUE --reason R --as USER`: the
// desk's policy from the command line, through the same command layer as the Settings screen. A change waits for a
// second supervisor (`riskdesk approvals confirm --id N`).
import type { PoliciesView, PolicyChangeView, PolicyEntryView } from '../../shared/contractPolicy.ts';
import { InputError } from '../../shared/errors.ts';
import { emit, type CliDoor } from './liquidations.ts';
import type { Writer } from './io.ts';
import { table } from '../text/table.ts';

function printHistory(out: Writer, rows: PolicyChangeView[]): void {
  if (rows.length === 0) return void out.write('no change since the ledger was made\n');
  table(
    out,
    ['version', 'from', 'to', 'reason', 'asked by', 'confirmed by', 'at'],
    rows.map((c) => [String(c.version), c.oldValue ?? '(default)', c.newValue, c.reason, c.requestedBy, c.confirmedBy, c.at]),
  );
}

function printList(out: Writer, v: PoliciesView): void {
  out.write(`policy version ${v.version}\n`);
  table(
    out,
    ['key', 'value', 'unit', 'last change', 'pending'],
    v.entries.map((e) => [
      e.key,
      `${e.value}${e.isDefault ? ' (default)' : ''}${e.changeable ? '' : ' (read-only)'}`,
      e.unit,
      e.lastChange ? `v${e.lastChange.version} by ${e.lastChange.requestedBy}+${e.lastChange.confirmedBy}` : '',
      e.pending ? `${e.pending.value} (approval ${e.pending.approval}, ${e.pending.requestedBy})` : '',
    ]),
  );
}

export async function policiesCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub = 'list', key, value, ...extra] = rest;
  if (sub === 'list') {
    const v = (await door.run('policies.list', {})) as PoliciesView;
    emit(door, v, (out) => printList(out, v));
    return 0;
  }
  if (sub === 'history') {
    if (key === undefined) throw new InputError('policies history needs a KEY (riskdesk policies list names them)', { field: 'key' });
    const rows = (await door.run('policies.history', { key })) as PolicyChangeView[];
    emit(door, rows, (out) => printHistory(out, rows));
    return 0;
  }
  if (sub === 'change') {
    if (key === undefined || value === undefined || extra.length > 0) throw new InputError('policies change takes KEY VALUE --reason R --as USER', { field: 'key' });
    const e = (await door.run('policies.change', { key, value, reason: door.need('reason', 'why the policy changes') })) as PolicyEntryView;
    emit(door, e, (out) =>
      out.write(`asked: ${e.pending?.summary ?? key}\napproval ${e.pending?.approval ?? '?'} waits for a second supervisor (riskdesk approvals confirm --id N)\n`),
    );
    return 0;
  }
  throw new InputError(`unknown policies subcommand "${sub}": list, history, change`);
}
