// The journal: one entry per command that changes the ledger, written in the same transaction as the change,
// append-only (SQL triggers refuse UPDATE and DELETE, and an INSERT that does not extend the head) and
// hash-chained:
//
//   hash = sha256_hex( prev_hash + '\n' + canonicalJson([seq, at, actor, command, payloadJson, resultJson]) )
//
// where payloadJson = canonicalJson(payload), resultJson = canonicalJson(result) (the exact text stored in the
// payload and result columns), seq is a JSON number, the hashed string is UTF-8, and the first entry's prev_hash
// is 64 zeros.
import { hash } from 'node:crypto';
import type Database from 'better-sqlite3';
import { canonicalJson } from '../../shared/canonicalJson.ts';
import { RuleError } from '../../shared/errors.ts';

type Db = Database.Database;

export const GENESIS_HASH = '0'.repeat(64);

export interface JournalInput {
  /** ISO-8601 UTC with milliseconds, e.g. '2026-03-12T16:00:00.000Z' (the schema refuses any other shape). */
  at: string;
  actor: string;
  command: string;
  payload: unknown;
  result: unknown;
}

export interface JournalEntry {
  seq: number;
  at: string;
  actor: string;
  command: string;
  /** Canonical JSON text as stored (and hashed). */
  payload: string;
  /** Canonical JSON text as stored (and hashed). */
  result: string;
  prevHash: string;
  hash: string;
}

export interface VerifyReport {
  ok: boolean;
  /** Entries that verified (all of them when ok; those before the broken one otherwise). */
  entries: number;
  /** Hash of the last entry that verified (GENESIS_HASH for an empty journal). Compare with a saved anchor. */
  headHash: string;
  /** The first entry that does not verify, and why. */
  broken?: { seq: number; reason: string };
}

/** The hash of one entry, from its stored fields. */
export function entryHash(
  prevHash: string,
  seq: number,
  at: string,
  actor: string,
  command: string,
  payloadJson: string,
  resultJson: string,
): string {
  // The one-shot hash: a Hash object per entry cost ~10 us more on a cold core, and a price tick appends one.
  return hash('sha256', `${prevHash}\n${canonicalJson([seq, at, actor, command, payloadJson, resultJson])}`, 'hex');
}

/** An entry would be dated before the journal's last one. */
export class JournalClockError extends RuleError {
  constructor(message: string) {
    super('clock_backwards', message);
    this.name = 'JournalClockError';
  }
}

interface Statements {
  head: Database.Statement;
  insert: Database.Statement;
}

const cache = new WeakMap<Db, Statements>();

function statements(db: Db): Statements {
  let s = cache.get(db);
  if (!s) {
    s = {
      head: db.prepare('SELECT seq, hash, at FROM journal ORDER BY seq DESC LIMIT 1').safeIntegers(false),
      insert: db.prepare(
        'INSERT INTO journal (seq, at, actor, command, payload, result, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
    };
    cache.set(db, s);
  }
  return s;
}

/** Refuses a time before the journal's last entry (see appendJournal); the dispatcher checks it before a command runs. */
export function assertClockForward(db: Db, at: string): void {
  const headRow = statements(db).head.get() as { seq: number; at: string } | undefined;
  if (headRow && at < headRow.at) {
    throw new JournalClockError(`the clock reads ${at}, before the journal's last entry (${headRow.at}, seq ${headRow.seq})`);
  }
}

/** The last entry's seq and hash (seq 0 and GENESIS_HASH when the journal is empty). */
export function journalHead(db: Db): { seq: number; hash: string } {
  const row = statements(db).head.get() as { seq: number; hash: string } | undefined;
  return row ? { seq: row.seq, hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
}

/**
 * Appends one entry. MUST be called inside the caller's transaction — the one that makes the change the entry
 * records — so the change and its entry commit together or not at all; throws when no transaction is open.
 * Use an immediate transaction (db.transaction(fn).immediate()) so that reading the head and writing the entry
 * cannot race another writer. Payload and result are stored as canonical JSON (bigint as decimal strings).
 */
export function appendJournal(db: Db, e: JournalInput): { seq: number; hash: string } {
  if (!db.inTransaction) {
    throw new Error('appendJournal must be called inside the transaction that makes the change it records');
  }
  const payloadJson = canonicalJson(e.payload);
  const resultJson = canonicalJson(e.result);
  const st = statements(db);
  const headRow = st.head.get() as { seq: number; hash: string; at: string } | undefined;
  // The journal is the desk's record of time as well as of order: an entry dated before the one it follows means
  // a clock that was set back (or injected), and is refused rather than written out of order.
  if (headRow && e.at < headRow.at) {
    throw new JournalClockError(`the clock reads ${e.at}, before the journal's last entry (${headRow.at}, seq ${headRow.seq})`);
  }
  const head = headRow ? { seq: headRow.seq, hash: headRow.hash } : { seq: 0, hash: GENESIS_HASH };
  const seq = head.seq + 1;
  const hash = entryHash(head.hash, seq, e.at, e.actor, e.command, payloadJson, resultJson);
  st.insert.run(seq, e.at, e.actor, e.command, payloadJson, resultJson, head.hash, hash);
  return { seq, hash };
}

interface Row {
  seq: number;
  at: string;
  actor: string;
  command: string;
  payload: string;
  result: string;
  prev_hash: string;
  hash: string;
}

const ROW_COLUMNS = 'seq, at, actor, command, payload, result, prev_hash, hash';

/** Every entry in seq order, streamed (constant memory); leaving the loop early frees the connection. */
function rowsInOrder(db: Db): IterableIterator<Row> {
  return db.prepare(`SELECT ${ROW_COLUMNS} FROM journal ORDER BY seq`).safeIntegers(false).iterate() as IterableIterator<Row>;
}

/** Every entry in seq order, streamed, as stored (verify --deep replays them). */
export function* journalEntries(db: Db): Generator<JournalEntry> {
  for (const r of rowsInOrder(db)) yield toEntry(r);
}

/** The hash of entry `seq`, or null when the journal has no such entry (a checkpoint's anchor is checked against it). */
export function entryHashAt(db: Db, seq: number): string | null {
  const h = db.prepare('SELECT hash FROM journal WHERE seq = ?').pluck().get(seq) as string | undefined;
  return h ?? null;
}

/**
 * Walks the whole chain in seq order, streaming (constant memory), and reports the first entry that breaks it:
 * a sequence gap (seq is not the previous + 1, first = 1), a prev_hash that is not the previous entry's hash, or
 * a stored hash that differs from the hash recomputed from the entry's fields. A chain that verifies can still
 * have lost entries at its end: compare headHash (and entries) with an anchor kept elsewhere.
 */
export function verifyJournal(db: Db): VerifyReport {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let entries = 0;
  for (const r of rowsInOrder(db)) {
    let reason: string | null = null;
    if (r.seq !== expectedSeq) {
      reason = `sequence gap: expected seq ${expectedSeq}, found ${r.seq}`;
    } else if (r.prev_hash !== prevHash) {
      reason = `prev_hash mismatch: entry says ${r.prev_hash}, previous entry's hash is ${prevHash}`;
    } else {
      const computed = entryHash(r.prev_hash, r.seq, r.at, r.actor, r.command, r.payload, r.result);
      if (computed !== r.hash) reason = `hash mismatch: stored ${r.hash}, computed ${computed}`;
    }
    if (reason !== null) {
      // Leaving the loop early closes the iterator and frees the connection.
      return { ok: false, entries, headHash: prevHash, broken: { seq: r.seq, reason } };
    }
    entries += 1;
    expectedSeq += 1;
    prevHash = r.hash;
  }
  return { ok: true, entries, headHash: prevHash };
}

function toEntry(r: Row): JournalEntry {
  return {
    seq: r.seq,
    at: r.at,
    actor: r.actor,
    command: r.command,
    payload: r.payload,
    result: r.result,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/**
 * The payload as a search reads it. An imported file over 1 MiB is kept brotli-compressed in its entry
 * (commands/importRecord.ts): its body is not searched (decompressing every large import on every search would cost
 * seconds), and its base64 is left out, so that a search never "finds" text by chance in compressed bytes. Such an
 * entry is found by what its payload says beside the body (file name, kind, sha256) and its result (rows).
 */
const SEARCHED_PAYLOAD = "(CASE WHEN command = 'import.csv' AND json_type(payload, '$.brotli') = 'text' THEN json_remove(payload, '$.brotli') ELSE payload END)";

export interface ListJournalOptions {
  /** Only entries with seq > afterSeq (paging forward). */
  afterSeq?: number;
  /** Only entries with seq < beforeSeq (paging backward, with newestFirst). */
  beforeSeq?: number;
  /** 1..10000. */
  limit: number;
  /**
   * Substring matched (LIKE, case-insensitive for ASCII; % and _ match literally) in actor, command or payload (a
   * compressed file's body excepted: SEARCHED_PAYLOAD).
   */
  search?: string;
  /** Newest entries first (default: oldest first). */
  newestFirst?: boolean;
}

export const LIST_LIMIT_MAX = 10_000;

/** A page of entries for the audit screen. All values are bound parameters. */
export function listJournal(db: Db, opts: ListJournalOptions): JournalEntry[] {
  const { limit } = opts;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > LIST_LIMIT_MAX) {
    throw new RangeError(`listJournal: limit must be an integer from 1 to ${LIST_LIMIT_MAX}, got ${limit}`);
  }
  const where: string[] = [];
  const params: (number | string)[] = [];
  if (opts.afterSeq !== undefined) {
    if (!Number.isSafeInteger(opts.afterSeq)) throw new RangeError('listJournal: afterSeq must be an integer');
    where.push('seq > ?');
    params.push(opts.afterSeq);
  }
  if (opts.beforeSeq !== undefined) {
    if (!Number.isSafeInteger(opts.beforeSeq)) throw new RangeError('listJournal: beforeSeq must be an integer');
    where.push('seq < ?');
    params.push(opts.beforeSeq);
  }
  if (opts.search !== undefined && opts.search !== '') {
    const pattern = `%${opts.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(`(actor LIKE ? ESCAPE '\\' OR command LIKE ? ESCAPE '\\' OR ${SEARCHED_PAYLOAD} LIKE ? ESCAPE '\\')`);
    params.push(pattern, pattern, pattern);
  }
  const sql =
    `SELECT ${ROW_COLUMNS} FROM journal` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY seq ${opts.newestFirst ? 'DESC' : 'ASC'} LIMIT ?`;
  params.push(limit);
  const rows = db.prepare(sql).safeIntegers(false).all(...params) as Row[];
  return rows.map(toEntry);
}

export interface JournalScan {
  /** Only entries with seq > afterSeq, or < beforeSeq (paging). */
  afterSeq?: number;
  beforeSeq?: number;
  /** Only entries at or after `from`, and before `to` (ISO-8601 UTC, as stored). */
  from?: string;
  to?: string;
  /** One command ('calls.waive'), or every command of a family given with its dot ('calls.'). */
  command?: string;
  /**
   * Every one of these substrings (LIKE, case-insensitive for ASCII; % and _ literal) in the actor, the command, the
   * payload (a compressed file's body excepted: SEARCHED_PAYLOAD) or the result.
   */
  contains?: readonly string[];
  newestFirst: boolean;
}

/** Text for a LIKE pattern with %, _ and the backslash taken literally (each statement says ESCAPE backslash). */
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The entries a filter selects, in order, streamed: the caller stops when it has a page (the audit screen's search
 * refines what this selects, so it cannot be a LIMIT here). All values are bound parameters.
 */
export function scanJournal(db: Db, f: JournalScan): IterableIterator<JournalEntry> {
  const where: string[] = [];
  const params: (number | string)[] = [];
  const add = (clause: string, ...values: (number | string)[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (f.afterSeq !== undefined) add('seq > ?', f.afterSeq);
  if (f.beforeSeq !== undefined) add('seq < ?', f.beforeSeq);
  if (f.from !== undefined) add('at >= ?', f.from);
  if (f.to !== undefined) add('at < ?', f.to);
  if (f.command !== undefined) {
    if (f.command.endsWith('.')) add("command LIKE ? ESCAPE '\\'", `${escapeLike(f.command)}%`);
    else add('command = ?', f.command);
  }
  for (const s of f.contains ?? []) {
    const p = `%${escapeLike(s)}%`;
    add(`(actor LIKE ? ESCAPE '\\' OR command LIKE ? ESCAPE '\\' OR ${SEARCHED_PAYLOAD} LIKE ? ESCAPE '\\' OR result LIKE ? ESCAPE '\\')`, p, p, p, p);
  }
  const sql = `SELECT ${ROW_COLUMNS} FROM journal${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY seq ${f.newestFirst ? 'DESC' : 'ASC'}`;
  const rows = db.prepare(sql).safeIntegers(false).iterate(...params) as IterableIterator<Row>;
  return (function* () {
    for (const r of rows) yield toEntry(r);
  })();
}

/** The commands the journal holds, for the audit screen's command filter. */
export function journalCommands(db: Db): string[] {
  return db.prepare('SELECT DISTINCT command FROM journal ORDER BY command').pluck().all() as string[];
}

/**
 * Writes every entry, in seq order, as one line of NDJSON (the line has no trailing newline: writeLine adds it).
 * Each line is itself canonical JSON: {"actor","at","command","hash","payload","prevHash","result","seq"}, with
 * payload and result embedded byte for byte as stored, so a reader can recompute every hash from the export.
 * Streams: constant memory for any journal size. Returns the number of lines written.
 */
export function exportJournal(db: Db, writeLine: (line: string) => void): { entries: number } {
  let entries = 0;
  for (const r of rowsInOrder(db)) {
    writeLine(
      `{"actor":${JSON.stringify(r.actor)},"at":${JSON.stringify(r.at)},"command":${JSON.stringify(r.command)},` +
        `"hash":${JSON.stringify(r.hash)},"payload":${r.payload},"prevHash":${JSON.stringify(r.prev_hash)},` +
        `"result":${r.result},"seq":${r.seq}}`,
    );
    entries += 1;
  }
  return { entries };
}

/** The size in characters of the payload of the newest entry of `command` (0: none), for the import-lock bench. */
export function lastPayloadLength(db: Db, command: string): number {
  return Number(db.prepare('SELECT length(payload) FROM journal WHERE command = ? ORDER BY seq DESC LIMIT 1').pluck().get(command) ?? 0);
}
