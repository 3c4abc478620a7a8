// `riskdesk explain`: a figure's trace as text (the --json form is the channel's output as it is).
import type { FigureTrace } from '../../shared/contractExplain.ts';
import { table } from '../text/table.ts';

export function printTrace(out: { write(s: string): unknown }, t: FigureTrace): void {
  out.write(`${t.title}: ${t.value ?? 'none'}${t.value !== null && t.unit === 'USD' ? ' USD' : ''}\n`);
  out.write(`as of ${t.asOf}, policy version ${t.policyVersion}; ${t.section}\n${t.formula}\n\n`);
  table(out, ['input', 'value', 'source'], t.inputs.map((i) => [i.name, i.value, i.source]));
  out.write('\n');
  table(out, ['step', 'value', 'formula'], t.steps.map((s) => [s.label, s.value ?? 'none', s.formula]), [1]);
  if (t.note) out.write(`\n${t.note}\n`);
}
