// CSV import (design.md §4): the whole file is parsed and validated first, then written in the command's one
// transaction. One bad row refuses the file, naming file, row, column and reason, and nothing is written.
import { createHash } from 'node:crypto';
import type { CommandContext } from './context.ts';
import type { ImportResult, InputOf } from '../../shared/contract.ts';
import { parseCsv } from '../csv/parse.ts';
import { ledgerRef, writeRows } from '../ledger/importRepo.ts';
import { normaliseTime } from './time.ts';

export function importCsvCommand(ctx: CommandContext, input: InputOf<'import.csv'>): { output: ImportResult; journal: { payload: unknown } } {
  const parsed = parseCsv(input.kind, input.file, input.text, ledgerRef(ctx.db));
  writeRows(ctx.db, parsed, (s) => normaliseTime(s));
  const rows = parsed.rows.length;
  // The journal keeps the file's fingerprint, not its bytes: the file itself is the desk's record.
  const sha256 = createHash('sha256').update(input.text).digest('hex');
  return { output: { kind: input.kind, file: input.file, rows }, journal: { payload: { kind: input.kind, file: input.file, sha256, rows } } };
}
