// Replaying one journal entry into a fresh ledger (verify --deep): the command the entry records, run again by the
// same code at the entry's time, as the entry's actor, with its journal entry written by the same code. The entry
// must carry everything the command read that is not already in the ledger being rebuilt; where an entry does not,
// the replay stops and says so rather than guess.
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { contract, isChannel, type Channel } from '../../../shared/contract.ts';
import type { Role } from '../../../shared/roles.ts';
import { parseAmount } from '../../../shared/units.ts';
import type { JournalEntry } from '../../ledger/journal.ts';
import { findUser, replacePasswordHash } from '../../ledger/userRepo.ts';
import { insertSession, endSessionById, recordAttempt } from '../../ledger/sessionRepo.ts';
import { appendJournal, assertClockForward } from '../../ledger/journal.ts';
import { preparers } from '../handlers.ts';
import { readPolicy } from '../../ledger/bookRepo.ts';
import { addMinutes } from '../../engine/calls.ts';
import { commitCommand, validate } from '../dispatch.ts';
import type { CommandContext } from '../context.ts';
import { JOURNAL_FORMAT, replayInit, type InitPayload } from '../initLedger.ts';
import { tickWriter, type TickResult } from '../tickCommit.ts';
import type { ResidentBook } from '../../resident/residentBook.ts';
import { CYCLE_FORMAT_DECISIONS } from '../runCycle.ts';
import { recordedText, type FileRecord } from '../importRecord.ts';

/** Why an entry cannot be replayed: it does not carry what its command read. Nothing is then claimed about the state. */
export class Unreplayable extends Error {}

/**
 * The role the actor had: a desk user's from the users table as rebuilt so far, and the batch actor's otherwise
 * (the CLI's `batch`, operator). Only refusals depend on it, and the entry records a command that was allowed.
 */
function roleOf(db: Database, actor: string): Role {
  return findUser(db, actor)?.role ?? 'operator';
}

function replayInitEntry(db: Database, e: JournalEntry): void {
  const p = JSON.parse(e.payload) as Partial<InitPayload>;
  if (typeof p.format !== 'number' || p.format < JOURNAL_FORMAT || !Array.isArray(p.users)) {
    throw new Unreplayable(
      'the ledger was created before the journal carried what a replay needs (the users, an import\'s file contents, one clock reading per command): its history cannot be rebuilt, so its state cannot be checked against it',
    );
  }
  replayInit(db, p as InitPayload, e.at, JSON.parse(e.result));
}

/**
 * A price tick of the journal's older form (one mark, `{instrument, at, mark}`, before prices.tick was a channel):
 * its calls are replayed as the entry records them (account, amount, and the call ids they were given,
 * which the replay's result must match): the ticker decided them from its in-memory live book, which the ledger
 * alone does not rebuild. The next full cycle re-decides every call from the ledger in any case.
 */
function replayTick(db: Database, e: JournalEntry): void {
  const p = JSON.parse(e.payload) as { instrument: string; at: string; mark: string | number };
  const r = JSON.parse(e.result) as TickResult;
  const writer = tickWriter(db);
  try {
    writer.commit({
      instrument: p.instrument,
      markTicks: BigInt(p.mark),
      at: p.at,
      now: e.at,
      actor: e.actor,
      deadline: addMinutes(p.at, readPolicy(db).cureMinutes),
      candidates: r.candidates,
      calls: r.issued.map((c) => ({ account: c.account, amount: parseAmount(c.amount, `entry ${e.seq} call ${c.call}`) })),
    });
  } finally {
    writer.release();
  }
}

/** A command's input from its entry's payload (an import's: importOf). */
function inputOf(channel: Channel, e: JournalEntry): unknown {
  const payload = JSON.parse(e.payload) as Record<string, unknown>;
  // An acknowledgement records the problem it accepted beside its reason (the door's state, not the input).
  if (channel === 'ledger.acknowledge') return { reason: payload.reason };
  return payload;
}

/** An import's file from its entry: as the entry holds it (importRecord.ts), checked against its sha256. */
function importOf(payload: Record<string, unknown>): { input: unknown; record?: FileRecord } {
  const { kind, file, sha256 } = payload;
  const text = recordedText(payload);
  if (text === null) throw new Unreplayable(`it records the file ${String(file)} by its fingerprint only (written before the journal carried an import's contents)`);
  if (createHash('sha256').update(text).digest('hex') !== sha256) throw new Unreplayable(`the file contents it carries do not match its sha256 ${String(sha256)}`);
  return { input: { kind, file, text }, ...(typeof payload.brotli === 'string' ? { record: { sha256, brotli: payload.brotli } } : {}) };
}

/** The entry as it was recorded, written again after its effect was replayed by hand. */
function appendAsRecorded(db: Database, e: JournalEntry): void {
  assertClockForward(db, e.at);
  appendJournal(db, { at: e.at, actor: e.actor, command: e.command, payload: JSON.parse(e.payload), result: JSON.parse(e.result) });
}

/**
 * A sign-in, as the door recorded it: the attempt (failures count towards back-off across processes), the console
 * session it opened (the same id, or the replay says it diverged), and a stronger hash the sign-in stored.
 */
function replayLogin(db: Database, e: JournalEntry): void {
  const p = JSON.parse(e.payload) as { name: string; source: string; door?: 'browser' | 'window' | 'cli'; rehash?: string };
  const r = JSON.parse(e.result) as { ok: boolean; session?: number | null; rehashed?: boolean };
  db.transaction(() => {
    if (!r.ok) recordAttempt(db, { at: e.at, user: p.name, source: p.source, outcome: 'failed' });
    else {
      if (r.rehashed) {
        const u = findUser(db, p.name);
        if (!u || !p.rehash || !replacePasswordHash(db, p.name, u.passwordHash, p.rehash)) throw new Unreplayable(`it records a stronger hash for ${p.name} that it does not carry`);
      }
      recordAttempt(db, { at: e.at, user: p.name, source: p.source, outcome: 'ok' });
      if (p.door === 'browser' || p.door === 'window') {
        const id = insertSession(db, { user: p.name, door: p.door, source: p.source, at: e.at });
        if (id !== r.session) throw new Unreplayable(`its session ${r.session} was opened as ${id} in the replay`);
      }
    }
    appendAsRecorded(db, e);
  }).immediate();
}

function replayLogout(db: Database, e: JournalEntry): void {
  const p = JSON.parse(e.payload) as { session: number };
  const r = JSON.parse(e.result) as { reason: string };
  db.transaction(() => {
    endSessionById(db, p.session, e.actor, r.reason, e.at);
    appendAsRecorded(db, e);
  }).immediate();
}

/** A command that stored a password hash: its entry carries the hash, which the replay hands it as prepared. */
function replayWithHash(db: Database, ctx: CommandContext, channel: Channel, e: JournalEntry): void {
  const payload = JSON.parse(e.payload) as Record<string, unknown> & { name?: string; passwordHash?: unknown };
  if (typeof payload.passwordHash !== 'string') throw new Unreplayable(`it does not carry the password hash it stored (written before entries did)`);
  const user = findUser(db, channel === 'session.changePassword' ? e.actor : String(payload.name));
  commitCommand(ctx, channel, payload, { passwordHash: payload.passwordHash, ...(user ? { checkedHash: user.passwordHash } : {}) });
}

/**
 * Replays one entry into `db` (a ledger rebuilt from the entries before it); throws Unreplayable, or what the command
 * threw. `resident`: a resident book of `db` kept across the entries, so that price ticks and cycles replay as the
 * console ran them, without reading the whole book for each.
 */
export function replayEntry(db: Database, e: JournalEntry, resident?: ResidentBook): void {
  if (e.seq === 1 && e.command !== 'ledger.init') throw new Unreplayable('the journal does not begin with the ledger\'s creation');
  if (e.command === 'ledger.init') return replayInitEntry(db, e);
  if (e.command === 'prices.tick' && !('marks' in (JSON.parse(e.payload) as object))) return replayTick(db, e);
  if (e.command === 'session.login') return replayLogin(db, e);
  if (e.command === 'session.logout') return replayLogout(db, e);
  if (!isChannel(e.command) || !contract[e.command].mutates) throw new Unreplayable(`this build has no replay for the command ${e.command}`);
  const channel = e.command;
  const at = new Date(e.at);
  const ctx: CommandContext = { db, actor: { name: e.actor, role: roleOf(db, e.actor) }, now: () => at, replaying: true, ...(resident ? { resident } : {}) };
  if (Object.hasOwn(preparers, channel)) return replayWithHash(db, ctx, channel, e);
  // An override (or a confirmation of one) journalled before overrides recorded their alternative is rebuilt without it.
  if (!e.result.includes('"override":')) ctx.preOverrides = true;
  if (!e.result.includes('"limitBreaches":')) ctx.noLimitWatch = true;
  if (channel === 'import.csv') {
    // A compressed file is recorded again as its entry holds it, not compressed anew.
    const { input, record } = importOf(JSON.parse(e.payload) as Record<string, unknown>);
    commitCommand(ctx, channel, validate(channel, input), record ? { record } : undefined);
    return;
  }
  const raw = inputOf(channel, e);
  if (channel === 'cycle.run') {
    // A cycle journalled before cycles ran the lifecycle carries no mark of it: it is replayed without it.
    const { lifecycle, ...rest } = raw as { lifecycle?: unknown };
    if (lifecycle === undefined) ctx.preLifecycle = true;
    if (typeof lifecycle !== 'number' || lifecycle < CYCLE_FORMAT_DECISIONS) ctx.proposalFiguresFollowMarks = true;
    commitCommand(ctx, channel, validate(channel, rest));
    return;
  }
  const input = validate(channel, raw);
  if (channel === 'ledger.acknowledge') ctx.integrity = { readOnly: true, problem: (JSON.parse(e.payload) as { problem: string | null }).problem };
  commitCommand(ctx, channel, input);
}
