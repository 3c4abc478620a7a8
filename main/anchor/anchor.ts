// A ledger's chain against its checkpoints: the check made at every start and every verify, and the checkpoints
// written after every cycle and every verify that passed. A journal rehashed after an edit no longer has the
// anchored hash at an anchored sequence; a journal with its tail deleted no longer reaches it.
import fs from 'node:fs';
import path from 'node:path';
import type { Database } from 'better-sqlite3';
import { entryHashAt, journalHead, verifyJournal } from '../ledger/journal.ts';
import { CheckpointStore, type Checkpoint, type CheckpointKind, type CheckpointLine } from './checkpoints.ts';
import { configDir, fileKey } from './key.ts';
import type { AnchorCheck } from '../../shared/contractIntegrity.ts';

/** The lines that speak for the ledger at `file`: from its last `init` or `acknowledged` checkpoint on. */
function currentRecord(lines: CheckpointLine[], file: string): CheckpointLine[] {
  let start = 0;
  lines.forEach((l, i) => {
    if ('checkpoint' in l && l.checkpoint.path === file && (l.checkpoint.kind === 'init' || l.checkpoint.kind === 'acknowledged')) start = i;
  });
  return lines.slice(start);
}

/** Why the checkpoint does not match the journal, or null when it does. */
function mismatch(db: Database, c: Checkpoint, first: string | null, headSeq: number): string | null {
  const when = `the checkpoint of ${c.at} (${c.kind})`;
  if (c.ledger !== first) {
    return `${when} anchored a ledger whose first entry's hash is ${c.ledger}, and this one's is ${first ?? 'missing'}: the journal was rewritten from its first entry`;
  }
  const hash = entryHashAt(db, c.seq);
  if (hash === null) return `the journal ends at entry ${headSeq}, but ${when} anchored entry ${c.seq} (hash ${c.head}): its tail was deleted`;
  if (hash !== c.head) return `entry ${c.seq}'s hash is ${hash}, but ${when} anchored ${c.head}: the journal was rewritten at or before entry ${c.seq}`;
  return null;
}

export class LedgerAnchor {
  /** The ledger file's real path (checkpoints name their ledger by it). */
  readonly file: string;
  readonly store: CheckpointStore;

  constructor(file: string, store: CheckpointStore) {
    this.file = fs.existsSync(file) ? fs.realpathSync(file) : path.resolve(file);
    this.store = store;
  }

  /** The chain walked, then every checkpoint of this ledger's current record compared with it. Reads only. */
  check(db: Database): AnchorCheck {
    const chain = verifyJournal(db);
    const head = journalHead(db);
    const base = { path: this.file, seq: head.seq, head: head.hash };
    if (!chain.ok) return { ok: false, ...base, checkpoints: 0, latest: null, problem: `journal BROKEN at entry ${chain.broken!.seq}: ${chain.broken!.reason}` };
    const first = entryHashAt(db, 1);
    let checkpoints = 0;
    let latest: AnchorCheck['latest'] = null;
    for (const l of currentRecord(this.store.read(), this.file)) {
      if (!('checkpoint' in l)) return { ok: false, ...base, checkpoints, latest, problem: `${this.store.file} line ${l.line}: ${l.problem}` };
      const c = l.checkpoint;
      if (c.path !== this.file) continue;
      const why = mismatch(db, c, first, head.seq);
      if (why) return { ok: false, ...base, checkpoints, latest, problem: why };
      checkpoints += 1;
      latest = { seq: c.seq, head: c.head, at: c.at, kind: c.kind };
    }
    return { ok: true, ...base, checkpoints, latest, problem: null };
  }

  /** Anchors the journal's head now; nothing for an empty journal. */
  record(db: Database, kind: CheckpointKind, extra: { by?: string; reason?: string } = {}): void {
    const first = entryHashAt(db, 1);
    if (first === null) return;
    const head = journalHead(db);
    this.store.append({ path: this.file, ledger: first, seq: head.seq, head: head.hash, at: new Date().toISOString(), kind, ...extra });
  }

  /** After a command through any door: a cycle anchors the head; so does a verify that passed, checkpoints included. */
  after(db: Database, channel: string, value: unknown): void {
    if (channel === 'cycle.run') this.record(db, 'cycle');
    else if ((channel === 'journal.verify' || channel === 'journal.verifyDeep') && (value as { ok?: boolean }).ok === true && this.check(db).ok) this.record(db, 'verify');
  }
}

/** The anchor of the CLI and browser mode: the key and checkpoints under configDir() (RISKDESK_CONFIG_DIR for tests). */
export function fileAnchor(ledgerFile: string, env: NodeJS.ProcessEnv = process.env): LedgerAnchor {
  const dir = configDir(env);
  return new LedgerAnchor(ledgerFile, new CheckpointStore(dir, fileKey(dir)));
}
