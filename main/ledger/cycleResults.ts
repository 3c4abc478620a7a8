// Per-account results of a margin cycle, stored as packed chunks (see the cycle_result_chunks table): the whole
// cycle is written in a few dozen rows and read back as columns, and one account's history is one chunk per cycle.
import os from 'node:os';
import type { Database } from 'better-sqlite3';
import { STATUS_CODES } from '../engine/kernel.ts';
import type { AccountStatus } from '../engine/model.ts';
import { prepared } from './stmtCache.ts';

export const CHUNK = 4096;
const FIELDS = 5; // collateral, equity, mm, im, call
const BYTES_PER_ACCOUNT = FIELDS * 8 + 1;

if (os.endianness() !== 'LE') throw new Error('the ledger packs cycle results little-endian; this machine is big-endian');

/** One cycle's results as columns, in account-id order. call = -1 means no call. */
export interface ResultColumns {
  ids: string[];
  collateral: BigInt64Array;
  equity: BigInt64Array;
  mm: BigInt64Array;
  im: BigInt64Array;
  call: BigInt64Array;
  status: Uint8Array;
}

export function allocResults(ids: string[]): ResultColumns {
  const n = ids.length;
  return {
    ids,
    collateral: new BigInt64Array(n),
    equity: new BigInt64Array(n),
    mm: new BigInt64Array(n),
    im: new BigInt64Array(n),
    call: new BigInt64Array(n),
    status: new Uint8Array(n),
  };
}

/**
 * Writes an account's figures given as floats that hold exact integers (|x| < 2^53, the kernel's), without making a
 * BigInt of each: the two 32-bit halves of each little-endian int64 are written directly.
 */
export function floatResultWriter(r: ResultColumns): (a: number, collateral: number, equity: number, mm: number, im: number, call: number, status: number) => void {
  const halves = [r.collateral, r.equity, r.mm, r.im, r.call].map((c) => ({
    lo: new Uint32Array(c.buffer, c.byteOffset, c.length * 2),
    hi: new Int32Array(c.buffer, c.byteOffset, c.length * 2),
  }));
  const [c0, c1, c2, c3, c4] = halves as [(typeof halves)[0], (typeof halves)[0], (typeof halves)[0], (typeof halves)[0], (typeof halves)[0]];
  const put = (h: (typeof halves)[0], a: number, x: number) => {
    const hi = Math.floor(x / 4294967296);
    h.lo[2 * a] = x - hi * 4294967296;
    h.hi[2 * a + 1] = hi;
  };
  return (a, collateral, equity, mm, im, call, status) => {
    put(c0, a, collateral);
    put(c1, a, equity);
    put(c2, a, mm);
    put(c3, a, im);
    put(c4, a, call);
    r.status[a] = status;
  };
}

function pack(r: ResultColumns, from: number, to: number): Buffer {
  const n = to - from;
  const buf = Buffer.allocUnsafe(n * BYTES_PER_ACCOUNT);
  const cols = [r.collateral, r.equity, r.mm, r.im, r.call];
  cols.forEach((c, k) => {
    Buffer.from(c.buffer, c.byteOffset + from * 8, n * 8).copy(buf, k * n * 8);
  });
  Buffer.from(r.status.buffer, r.status.byteOffset + from, n).copy(buf, FIELDS * n * 8);
  return buf;
}

/**
 * Each chunk's account ids as stored (JSON), by the ids array they were made from: a running console's cycles write
 * the same accounts each time, and making and checking 100k ids again cost about 5 ms a cycle.
 */
const chunkIds = new WeakMap<readonly string[], string[]>();

function chunkIdsOf(ids: readonly string[]): string[] {
  const known = chunkIds.get(ids);
  if (known) return known;
  for (let i = 1; i < ids.length; i++) {
    if (!(ids[i - 1]! < ids[i]!)) throw new Error(`cycle results must be in account-id order: ${ids[i - 1]} before ${ids[i]}`);
  }
  const out: string[] = [];
  for (let from = 0; from < ids.length; from += CHUNK) out.push(JSON.stringify(ids.slice(from, Math.min(from + CHUNK, ids.length))));
  chunkIds.set(ids, out);
  return out;
}

/** How many chunks a cycle's results for `accounts` accounts are stored in. */
export const resultChunkCount = (accounts: number): number => Math.ceil(accounts / CHUNK);

/** Bytes a changed account takes in a chunk stored as changes: its index in the chunk (uint16) and its record. */
const CHANGE_BYTES = 2 + BYTES_PER_ACCOUNT;
/**
 * A chunk is stored as its changes only while they are small against the whole: past this share of its accounts it
 * is stored whole and becomes the base of the cycles after it (reading a cycle then stays one base and one delta).
 */
const MAX_CHANGED_SHARE = 0.5;

/** The latest chunk `chunk` stored whole before this cycle: the base a cycle's chunk may be stored against. */
function latestWholeChunk(db: Database, chunk: number): { cycle: number; accounts: string; figures: Buffer } | undefined {
  return prepared(
    db,
    'SELECT cycle_id AS cycle, accounts, figures FROM cycle_result_chunks WHERE chunk = ? ORDER BY cycle_id DESC LIMIT 1',
  ).get(chunk) as { cycle: number; accounts: string; figures: Buffer } | undefined;
}

/**
 * The accounts (indexes in the chunk) whose record in `now` differs from `base`, both packed chunks of n accounts;
 * null once there are more than `limit`.
 */
function changedRecords(base: Buffer, now: Buffer, n: number, limit: number): number[] | null {
  // Compared a 32-bit word at a time where both buffers allow it (a fresh allocation does), else byte by byte.
  const aligned = base.byteOffset % 4 === 0 && now.byteOffset % 4 === 0;
  const words = FIELDS * n * 2;
  const b32 = aligned ? new Int32Array(base.buffer, base.byteOffset, words) : null;
  const n32 = aligned ? new Int32Array(now.buffer, now.byteOffset, words) : null;
  const changed: number[] = [];
  for (let i = 0; i < n; i++) {
    let same = base[FIELDS * n * 8 + i] === now[FIELDS * n * 8 + i];
    for (let k = 0; same && k < FIELDS; k++) {
      if (b32 && n32) {
        const w = 2 * (k * n + i);
        same = b32[w] === n32[w] && b32[w + 1] === n32[w + 1];
      } else {
        const at = k * n * 8 + i * 8;
        for (let j = 0; same && j < 8; j++) same = base[at + j] === now[at + j];
      }
    }
    if (same) continue;
    if (changed.length === limit) return null;
    changed.push(i);
  }
  return changed;
}

/** The changes blob (see migration step 19) of the records `changed` of a packed chunk of n accounts. */
function packChanges(now: Buffer, n: number, changed: readonly number[]): Buffer {
  const m = changed.length;
  const out = Buffer.allocUnsafe(m * CHANGE_BYTES);
  changed.forEach((i, j) => {
    out.writeUInt16LE(i, 2 * j);
    for (let k = 0; k < FIELDS; k++) now.copy(out, 2 * m + k * m * 8 + j * 8, k * n * 8 + i * 8, k * n * 8 + i * 8 + 8);
    out[2 * m + FIELDS * m * 8 + j] = now[FIELDS * n * 8 + i]!;
  });
  return out;
}

/** A base chunk of n accounts with a changes blob applied: the cycle's packed chunk. */
function applyChanges(base: Buffer, n: number, changes: Buffer): Buffer {
  if (changes.length % CHANGE_BYTES !== 0) throw new Error(`a result chunk's changes hold ${changes.length} bytes, not a multiple of ${CHANGE_BYTES}`);
  const m = changes.length / CHANGE_BYTES;
  const out = Buffer.from(base);
  for (let j = 0; j < m; j++) {
    const i = changes.readUInt16LE(2 * j);
    if (i >= n) throw new Error(`a result chunk's changes name account ${i} of a chunk of ${n}`);
    for (let k = 0; k < FIELDS; k++) changes.copy(out, k * n * 8 + i * 8, 2 * m + k * m * 8 + j * 8, 2 * m + k * m * 8 + j * 8 + 8);
    out[FIELDS * n * 8 + i] = changes[2 * m + FIELDS * m * 8 + j]!;
  }
  return out;
}

/**
 * Writes a cycle's results (inside the caller's transaction), or only the chunks from `first` up to `end` (a cycle
 * run in slices writes a few at a time). Accounts must be in id order.
 *
 * Each chunk is stored whole, or as its changes against the latest chunk of its index stored whole (the same
 * accounts) when few accounts' figures differ from it. The choice depends only on the ledger and the figures, so
 * a cycle run by the console, by the CLI and by a journal replay stores the same rows.
 */
export function writeCycleResults(db: Database, cycleId: number, r: ResultColumns, first = 0, end = resultChunkCount(r.ids.length)): void {
  const whole = prepared(
    db,
    'INSERT INTO cycle_result_chunks(cycle_id, chunk, first_account, last_account, count, accounts, figures) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const delta = prepared(
    db,
    'INSERT INTO cycle_result_changes(cycle_id, chunk, base_cycle, first_account, last_account, changes) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const json = chunkIdsOf(r.ids);
  for (let chunk = first; chunk < end; chunk++) {
    const from = chunk * CHUNK;
    const to = Math.min(from + CHUNK, r.ids.length);
    const n = to - from;
    const now = pack(r, from, to);
    const base = latestWholeChunk(db, chunk);
    const changed = base && base.accounts === json[chunk] ? changedRecords(base.figures, now, n, Math.floor(n * MAX_CHANGED_SHARE)) : null;
    if (base && changed) delta.run(cycleId, chunk, base.cycle, r.ids[from], r.ids[to - 1], packChanges(now, n, changed));
    else whole.run(cycleId, chunk, r.ids[from], r.ids[to - 1], n, json[chunk], now);
  }
}

function unpack(ids: string[], figures: Buffer, into: ResultColumns, at: number): void {
  const n = ids.length;
  if (figures.length !== n * BYTES_PER_ACCOUNT) throw new Error(`a result chunk holds ${figures.length} bytes for ${n} accounts`);
  const copy = Buffer.from(figures); // aligned copy for the typed-array views
  const cols = [into.collateral, into.equity, into.mm, into.im, into.call];
  cols.forEach((c, k) => c.set(new BigInt64Array(copy.buffer, copy.byteOffset + k * n * 8, n), at));
  into.status.set(copy.subarray(FIELDS * n * 8), at);
  for (let i = 0; i < n; i++) into.ids[at + i] = ids[i]!;
}

export function readCycleResults(db: Database, cycleId: number): ResultColumns {
  // Each chunk stored whole, or as its changes against its base (migration step 19), in chunk order.
  const rows = db
    .prepare(
      `SELECT chunk, count, accounts, figures, NULL AS changes FROM cycle_result_chunks WHERE cycle_id = @cycle
       UNION ALL
       SELECT d.chunk, b.count, b.accounts, b.figures, d.changes
       FROM cycle_result_changes d JOIN cycle_result_chunks b ON b.cycle_id = d.base_cycle AND b.chunk = d.chunk
       WHERE d.cycle_id = @cycle
       ORDER BY chunk`,
    )
    .all({ cycle: cycleId }) as { count: bigint; accounts: string; figures: Buffer; changes: Buffer | null }[];
  const total = rows.reduce((s, r) => s + Number(r.count), 0);
  const out = allocResults(new Array<string>(total));
  let at = 0;
  for (const r of rows) {
    const ids = JSON.parse(r.accounts) as string[];
    unpack(ids, r.changes ? applyChanges(r.figures, ids.length, r.changes) : r.figures, out, at);
    at += ids.length;
  }
  return out;
}

export interface AccountCycleResult {
  cycle: number;
  asOf: string;
  collateral: bigint;
  equity: bigint;
  mm: bigint;
  im: bigint;
  call: bigint | null;
  status: AccountStatus;
  /** The account's isolated units in that cycle, summed (null: none); the figures above are its cross part's. */
  isolated: { equity: bigint; mm: bigint; im: bigint } | null;
}

/** One account's results over the latest `limit` cycles, newest first. */
export function accountHistory(db: Database, accountId: string, limit: number): AccountCycleResult[] {
  const rows = db
    .prepare(
      `SELECT c.id AS cycle, c.as_of AS asOf, coalesce(k.accounts, b.accounts) AS accounts, coalesce(k.figures, b.figures) AS figures,
              d.changes, u.equity AS isoEquity, u.mm AS isoMm, u.im AS isoIm
       FROM margin_cycles c
       LEFT JOIN cycle_result_chunks k ON k.cycle_id = c.id AND k.first_account <= @id AND k.last_account >= @id
       LEFT JOIN cycle_result_changes d ON d.cycle_id = c.id AND d.first_account <= @id AND d.last_account >= @id
       LEFT JOIN cycle_result_chunks b ON b.cycle_id = d.base_cycle AND b.chunk = d.chunk
       LEFT JOIN cycle_isolated_units u ON u.cycle_id = c.id AND u.account_id = @id
       WHERE k.cycle_id IS NOT NULL OR d.cycle_id IS NOT NULL
       ORDER BY c.id DESC LIMIT @limit`,
    )
    .all({ id: accountId, limit }) as {
    cycle: bigint;
    asOf: string;
    accounts: string;
    figures: Buffer;
    changes: Buffer | null;
    isoEquity: bigint | null;
    isoMm: bigint | null;
    isoIm: bigint | null;
  }[];
  const res: AccountCycleResult[] = [];
  for (const r of rows) {
    const ids = JSON.parse(r.accounts) as string[];
    const i = ids.indexOf(accountId);
    if (i < 0) continue;
    const [collateral, equity, mm, im, call, status] = recordAt(r.figures, ids.length, i, r.changes);
    res.push({
      cycle: Number(r.cycle),
      asOf: r.asOf,
      collateral,
      equity,
      mm,
      im,
      call: call < 0n ? null : call,
      status: STATUS_CODES[status]!,
      isolated: r.isoEquity === null ? null : { equity: r.isoEquity, mm: r.isoMm!, im: r.isoIm! },
    });
  }
  return res;
}

/** Account i's record in a packed chunk of n accounts, or in its changes when they name it: five figures, status. */
function recordAt(figures: Buffer, n: number, i: number, changes: Buffer | null): [bigint, bigint, bigint, bigint, bigint, number] {
  if (figures.length !== n * BYTES_PER_ACCOUNT) throw new Error(`a result chunk holds ${figures.length} bytes for ${n} accounts`);
  const m = changes ? changes.length / CHANGE_BYTES : 0;
  for (let j = 0; j < m; j++) {
    if (changes!.readUInt16LE(2 * j) !== i) continue;
    const f = (k: number) => changes!.readBigInt64LE(2 * m + k * m * 8 + j * 8);
    return [f(0), f(1), f(2), f(3), f(4), changes![2 * m + FIELDS * m * 8 + j]!];
  }
  const f = (k: number) => figures.readBigInt64LE(k * n * 8 + i * 8);
  return [f(0), f(1), f(2), f(3), f(4), figures[FIELDS * n * 8 + i]!];
}

/** One account's isolated units in a cycle (see the cycle_isolated_units table). */
export interface IsolatedUnitsRow {
  account: string;
  units: number;
  equity: bigint;
  mm: bigint;
  im: bigint;
  worstEquity: bigint;
  worstMm: bigint;
}

/** Writes a cycle's isolated units (inside the caller's transaction). */
export function writeIsolatedUnits(db: Database, cycleId: number, rows: readonly IsolatedUnitsRow[]): void {
  // One statement for all of them (a few thousand on the 100k demo book): SQLite walks the JSON array, where a
  // statement run per row cost about 9 ms a cycle. Amounts go as JSON integers, which SQLite reads as 64-bit.
  if (rows.length === 0) return;
  const json = `[${rows.map((r) => `[${JSON.stringify(r.account)},${r.units},${r.equity},${r.mm},${r.im},${r.worstEquity},${r.worstMm}]`).join(',')}]`;
  prepared(
    db,
    `INSERT INTO cycle_isolated_units(cycle_id, account_id, units, equity, mm, im, worst_equity, worst_mm)
     SELECT ?, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6 FROM json_each(?)`,
  ).run(cycleId, json);
}

/** A cycle's isolated units by account. */
export function readIsolatedUnits(db: Database, cycleId: number): Map<string, IsolatedUnitsRow> {
  const rows = db
    .prepare(
      `SELECT account_id AS account, units, equity, mm, im, worst_equity AS worstEquity, worst_mm AS worstMm
       FROM cycle_isolated_units WHERE cycle_id = ?`,
    )
    .safeIntegers(true)
    .all(cycleId) as (Omit<IsolatedUnitsRow, 'units'> & { units: bigint })[];
  return new Map(rows.map((r) => [r.account, { ...r, units: Number(r.units) }]));
}
