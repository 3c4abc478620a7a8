// The ways a ledger can fail that are not the program's fault nor the input's: another process holds the write lock,
// the disk is full, the file or its folder is read-only, the file is not a ledger or is damaged. Each is named here,
// from SQLite's and the file system's codes (this is the one place that knows them), as one clear line and a code
// of shared/refusals.ts (its CLI exit code and HTTP status), so no door ever shows a stack trace or a generic "internal error" for them.
import Database from 'better-sqlite3';
import { RuleError } from '../../shared/errors.ts';
import { REFUSALS } from '../../shared/refusals.ts';

export type FailureKind = 'ledger_busy' | 'disk_full' | 'read_only' | 'ledger_damaged';


/** A ledger that cannot do what was asked for a reason outside the program; nothing was changed. */
export class LedgerFailure extends RuleError {
  readonly kind: FailureKind;
  readonly exit: number;
  constructor(kind: FailureKind, message: string, options?: { cause?: unknown }) {
    super(kind, message);
    this.name = 'LedgerFailure';
    this.kind = kind;
    this.exit = REFUSALS[kind].exit;
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

export const BUSY_MESSAGE = 'the ledger is busy (another process is writing)';

export function busyAfter(retries: number, waitedMs: number): LedgerFailure {
  return new LedgerFailure(
    'ledger_busy',
    `${BUSY_MESSAGE}: retried ${retries} times over ${(waitedMs / 1000).toFixed(1)} s; nothing was changed, try again when it is done`,
  );
}

function sqliteCode(e: unknown): string | null {
  return e instanceof Database.SqliteError ? e.code : null;
}

function errnoCode(e: unknown): string | null {
  const code = (e as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : null;
}

/** The failure `e` is (following its causes), or null when it is something else. */
export function failureOf(e: unknown, where = 'the ledger'): LedgerFailure | null {
  for (let x: unknown = e, depth = 0; x !== undefined && x !== null && depth < 5; x = (x as { cause?: unknown }).cause, depth++) {
    if (x instanceof LedgerFailure) return x;
    const f = classify(x, where);
    if (f) return f;
  }
  return null;
}

function classify(e: unknown, where: string): LedgerFailure | null {
  const sql = sqliteCode(e);
  if (sql !== null) {
    if (sql.startsWith('SQLITE_BUSY') || sql.startsWith('SQLITE_LOCKED')) return new LedgerFailure('ledger_busy', `${BUSY_MESSAGE}; nothing was changed`, { cause: e });
    if (sql === 'SQLITE_FULL') return diskFull(where, e);
    if (sql.startsWith('SQLITE_READONLY')) return readOnly(where, e);
    if (sql.startsWith('SQLITE_CORRUPT') || sql === 'SQLITE_NOTADB') {
      return new LedgerFailure('ledger_damaged', `${where} is damaged (${sql}): restore it from a backup; run riskdesk verify to see what is wrong`, { cause: e });
    }
    if (sql.startsWith('SQLITE_IOERR') || sql === 'SQLITE_CANTOPEN') {
      return new LedgerFailure('read_only', `${where} could not be read or written (${sql}): is the disk full, failing or unplugged? Nothing was changed`, { cause: e });
    }
    return null;
  }
  const errno = errnoCode(e);
  if (errno === 'ENOSPC' || errno === 'EDQUOT') return diskFull(where, e);
  if (errno === 'EROFS' || errno === 'EACCES' || errno === 'EPERM') return readOnly(where, e);
  return null;
}

function diskFull(where: string, cause: unknown): LedgerFailure {
  return new LedgerFailure('disk_full', `the disk holding ${where} is full: nothing was changed; free some space and try again`, { cause });
}

function readOnly(where: string, cause: unknown): LedgerFailure {
  return new LedgerFailure(
    'read_only',
    `${where} cannot be written (the file or its folder is read-only, or not yours): nothing was changed; reading still works`,
    { cause },
  );
}
