// `riskdesk waterfall --input FILE.json` and `riskdesk adl --input FILE.json`: the standalone default waterfall and
// ADL queue (methodology §8), no ledger.
import fs from 'node:fs';
import { computeWaterfall, computeAdl } from '../recovery/run.ts';
import { InputError } from '../../shared/errors.ts';
import { printTable } from './table.ts';

function readInput(file: string): unknown {
  if (!fs.existsSync(file)) throw new InputError(`file not found: ${file}`);
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, { file });
  }
}

/** Prints the JSON when asked, the human tables otherwise. */
function report<T>(out: T, json: boolean, human: (out: T) => void): number {
  if (json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  else human(out);
  return 0;
}

export function waterfallCommand(file: string, json: boolean): number {
  return report(computeWaterfall(readInput(file)), json, (out) => {
    printTable(
      ['layer', 'available', 'used', 'remaining'],
      out.layers.map((l) => [l.name, l.available, l.used, l.remaining]),
      [1, 2, 3],
    );
    process.stdout.write(`\nuncovered (resolution gap): ${out.uncovered}\n\n`);
    printTable(
      ['member', 'default fund used', 'assessment', 'cap'],
      out.members.map((m) => [m.id, m.defaultFundUsed, m.assessment, m.assessmentCap]),
      [1, 2, 3],
    );
    for (const l of out.layers) {
      if (!l.allocations) continue;
      process.stdout.write(`\n${l.name}\n`);
      printTable(['holder', 'amount'], l.allocations.map((a) => [a.member !== undefined ? `member ${a.member}` : `account ${a.account}`, a.amount]), [1]);
    }
  });
}

export function adlCommand(file: string, json: boolean): number {
  return report(computeAdl(readInput(file)), json, (out) => {
    const closed = new Map(out.closes.map((c) => [c.account, c]));
    printTable(
      ['#', 'account', 'closed', 'at price'],
      out.ranking.map((a, i) => [String(i + 1), a, closed.get(a)?.quantity ?? '', closed.get(a)?.price ?? '']),
      [0, 2, 3],
    );
    process.stdout.write(`\nunfilled: ${out.unfilled}\n`);
  });
}
