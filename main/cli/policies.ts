// `riskdesk policies [list]`, `policies history KEY` and `policies change KEY VALUE --reason R --as USER`: the
// desk's policy from the command line, through the same command layer as the Settings screen. A change waits for a
// second supervisor (`riskdesk approvals confirm --id N`). Each form is one channel (oneChannel.ts).
import type { PoliciesView, PolicyChangeView, PolicyEntryView } from '../../shared/contractPolicy.ts';
import type { InputOf } from '../../shared/contract.ts';
import type { Writer } from './io.ts';
import { table } from '../text/table.ts';
import { oneChannel as command, type ChannelCommand } from './oneChannel.ts';

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

const KEY = { placeholder: 'KEY', means: 'a policy key, as riskdesk policies list names them' };

export const POLICY_COMMANDS: readonly ChannelCommand[] = [
  command('policies list', 'policies.list', 'every policy value, its unit, version and last change', printList, { isDefault: true }),
  command('policies history', 'policies.history', "one key's confirmed changes", printHistory, { args: ['key'], fields: { key: KEY } }),
  command(
    'policies change',
    'policies.change',
    'a new value (supervisor); a second supervisor confirms it',
    (out, e: PolicyEntryView, input: InputOf<'policies.change'>) =>
      out.write(`asked: ${e.pending?.summary ?? input.key}\napproval ${e.pending?.approval ?? '?'} waits for a second supervisor (riskdesk approvals confirm --id N)\n`),
    { args: ['key', 'value'], fields: { key: KEY, value: { placeholder: 'VALUE', means: 'the new value, written as the key\'s unit says' } } },
  ),
];
