// `riskdesk margin --input FILE.json`: the what-if margin of a standalone portfolio, no ledger.
import fs from 'node:fs';
import { computeWhatIf } from '../calculators/margin/run.ts';
import { InputError } from '../../shared/errors.ts';
import { table } from '../text/table.ts';
import type { Writer } from './io.ts';

export function whatIfCommand(out: Writer, file: string, json: boolean): number {
  if (!fs.existsSync(file)) throw new InputError(`file not found: ${file}`);
  let input: unknown;
  try {
    input = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, { file });
  }
  const r = computeWhatIf(input);
  if (json) {
    out.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  table(
    out,
    ['account', 'equity', 'IM', 'MM', 'health', 'status', 'call'],
    r.accounts.map((a) => [a.id, a.equity, a.im, a.mm, a.health ?? 'inf', a.status, a.call ?? '']),
    [1, 2, 3, 4],
  );
  for (const a of r.accounts) {
    out.write(`\n${a.id}\n`);
    table(
      out,
      ['instrument', 'notional', 'upnl', 'IM', 'MM', 'liq. price', 'bankr. price'],
      a.positions.map((p) => [p.instrument, p.notional, p.upnl, p.im, p.mm, p.liquidationPrice ?? '-', p.bankruptcyPrice ?? '-']),
      [1, 2, 3, 4, 5, 6],
    );
    if (a.liquidationPlan) {
      out.write(`liquidation plan of ${a.id}\n`);
      table(out, ['instrument', 'side', 'quantity', 'est. price', 'fee'], a.liquidationPlan.map((o) => [o.instrument, o.side, o.quantity, o.estimatedPrice, o.fee]), [2, 3, 4]);
    }
  }
  return 0;
}
