// Two kinds of refusal: bad input and a rule. Both carry where the problem is, so every door can name it; a rule's
// code is one of shared/refusals.ts, which gives each its CLI exit code and HTTP status.
import type { z } from 'zod';
import { forMessage } from './safeText.ts';
import type { RefusalCode } from './refusals.ts';

export interface Where {
  file?: string;
  /** 1-based data row (the header is row 0). */
  row?: number;
  column?: string;
  /** A dotted path into a JSON payload, e.g. "accounts[3].positions[0].quantity". */
  field?: string;
}

/** Input that fails its schema or format: nothing was changed. Exit code 2, HTTP 400 (REFUSALS.bad_input). */
export class InputError extends Error {
  readonly where: Where;
  readonly code = 'bad_input' as const;
  constructor(message: string, where: Where = {}) {
    super(describe(message, where));
    this.name = 'InputError';
    this.where = where;
  }
}

/** Refused by a rule (role, state, four eyes): nothing was changed. Its code's exit code and status: REFUSALS. */
export class RuleError extends Error {
  readonly code: RefusalCode;
  constructor(code: RefusalCode, message: string) {
    super(message);
    this.name = 'RuleError';
    this.code = code;
  }
}

function describe(message: string, w: Where): string {
  const at: string[] = [];
  if (w.file) at.push(w.file);
  if (w.row !== undefined) at.push(`row ${w.row}`);
  if (w.column) at.push(`column ${w.column}`);
  if (w.field) at.push(`field ${w.field}`);
  return at.length ? `${at.join(', ')}: ${message}` : message;
}

/**
 * Names the first field that failed, as a dotted path, with zod's reason. Here, not in the dispatcher, because the
 * contract's command layer and the standalone calculators (main/calculators) refuse alike.
 */
export function schemaError(channel: string, err: z.ZodError): InputError {
  const issue = err.issues[0]!;
  const field = forMessage(issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, ''), 200);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field ${issue.keys.slice(0, 5).map((k) => `"${forMessage(k)}"`).join(', ')}`;
  // A record's key (a shock's underlying) refused: zod says only "Invalid key in record"; the key's own rule says why.
  if (issue.code === 'invalid_key') message = `not a valid key: ${issue.issues[0]?.message ?? issue.message}`;
  return new InputError(`${channel}: ${message}`, field ? { field } : {});
}
