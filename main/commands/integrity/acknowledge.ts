// An admin accepts a failed start check (chain or checkpoints), with a reason: the journal records who, when, why,
// and the problem accepted. The door then lifts read-only and anchors the head again from this entry.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { IntegrityStatus } from '../../../shared/contractIntegrity.ts';
import { RuleError } from '../../../shared/errors.ts';

export function acknowledgeCommand(ctx: CommandContext, input: InputOf<'ledger.acknowledge'>): { output: IntegrityStatus; journal: { payload: unknown } } {
  if (!ctx.integrity?.readOnly) throw new RuleError('not_read_only', 'the ledger is not read-only: there is no failed check to acknowledge');
  return { output: { readOnly: false, problem: null }, journal: { payload: { reason: input.reason, problem: ctx.integrity.problem } } };
}
