// verify --deep (issue 14 item 7): the chain walked, then the ledger rebuilt by replaying every journal entry into a
// fresh ledger, then every state table of the file compared with the rebuilt one. A change made in the file with
// any SQLite tool, outside the commands, shows as the first row and column where the two differ; an entry whose
// replay does not give the result it records shows as a divergence at that entry.
import type { Database } from 'better-sqlite3';
import type { DeepVerifyResult, StateDifference } from '../../../shared/contractIntegrity.ts';
import { journalEntries, journalHead, listJournal, verifyJournal, type JournalEntry } from '../../ledger/journal.ts';
import { firstStateDifference } from '../../ledger/compareState.ts';
import { openScratchLedger } from '../../ledger/scratch.ts';
import { replayEntry, Unreplayable } from './replayEntry.ts';
import { ResidentBook } from '../../resident/residentBook.ts';

function clip(s: string, n = 300): string {
  return s.length > n ? `${s.slice(0, n)}... (${s.length} characters)` : s;
}

/** Why the replayed entry is not the recorded one: the first of payload and result that differs, both spelled. */
function divergence(replay: Database, e: JournalEntry): string {
  const [mine] = listJournal(replay, { afterSeq: e.seq - 1, limit: 1 });
  if (!mine) return 'the replay wrote no journal entry for it';
  if (mine.payload !== e.payload) return `the replay's payload ${clip(mine.payload)} differs from the recorded ${clip(e.payload)}`;
  if (mine.result !== e.result) return `the replay's result ${clip(mine.result)} differs from the recorded ${clip(e.result)}`;
  return `the replay's entry hash ${mine.hash} differs from the recorded ${e.hash}`;
}

function describe(d: StateDifference): string {
  const key = Object.entries(d.key).map(([k, v]) => `${k}=${v ?? 'NULL'}`).join(', ');
  const where = `table ${d.table}${key ? `, key ${key}` : ''}`;
  if (d.column === null) {
    return d.file === null ? `${where}: the replay has ${d.replay} and the file has no such row` : `${where}: the file has ${d.file}, which the journal does not account for`;
  }
  return `${where}, column ${d.column}: the file has ${d.file ?? 'NULL'}, the journal's replay ${d.replay ?? 'NULL'}`;
}

export function deepVerify(db: Database): DeepVerifyResult {
  const chain = verifyJournal(db);
  const base = { entries: chain.entries, headHash: chain.headHash };
  if (!chain.ok) {
    const b = chain.broken!;
    return { ok: false, outcome: 'chain_broken', ...base, replayed: 0, message: `journal BROKEN at entry ${b.seq}: ${b.reason}`, entry: { seq: b.seq, command: '', reason: b.reason } };
  }
  const scratch = openScratchLedger('riskdesk-replay-');
  let replayed = 0;
  const resident = new ResidentBook(scratch.db);
  try {
    for (const e of journalEntries(db)) {
      try {
        replayEntry(scratch.db, e, resident);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        if (err instanceof Unreplayable) {
          return { ok: false, outcome: 'unreplayable', ...base, replayed, message: `cannot replay entry ${e.seq} (${e.command}): ${reason}`, entry: { seq: e.seq, command: e.command, reason } };
        }
        const why = `replaying it failed: ${reason}`;
        return { ok: false, outcome: 'diverged', ...base, replayed, message: `entry ${e.seq} (${e.command}) does not replay: ${why}`, entry: { seq: e.seq, command: e.command, reason: why } };
      }
      if (journalHead(scratch.db).hash !== e.hash) {
        const why = divergence(scratch.db, e);
        return { ok: false, outcome: 'diverged', ...base, replayed, message: `entry ${e.seq} (${e.command}) does not replay to what it records: ${why}`, entry: { seq: e.seq, command: e.command, reason: why } };
      }
      replayed += 1;
    }
    const difference = firstStateDifference(db, scratch.db);
    if (difference) return { ok: false, outcome: 'differs', ...base, replayed, message: `ledger state DIFFERS from its journal: ${describe(difference)}`, difference };
    return { ok: true, outcome: 'verified', ...base, replayed, message: `ledger state matches its journal: ${replayed} entries replayed, every state table compared` };
  } finally {
    scratch.dispose();
  }
}

