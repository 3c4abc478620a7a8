// Checkpoints: the journal's head (sequence and hash) at a moment, signed with a key kept outside the ledger, and
// appended to a file outside it, so that a journal rewritten with recomputed hashes, or cut short, no longer matches
// what was anchored before. One file serves every ledger of the user; a checkpoint names its ledger by the file's
// real path and the hash of its first entry (a copy elsewhere, or a new ledger made at the same path, is another
// ledger: its own `init` checkpoint starts its record).
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../../shared/canonicalJson.ts';
import { InputError } from '../../shared/errors.ts';
import { ensureDir, type KeySource } from './key.ts';

/**
 * init: a ledger made at this path (its record starts here); cycle, verify: the head after a margin cycle or a
 * verify that passed; acknowledged: an admin accepted a failed check with a reason (the record starts again here).
 */
export type CheckpointKind = 'init' | 'cycle' | 'verify' | 'acknowledged';

export interface Checkpoint {
  /** The ledger file's real path. */
  path: string;
  /** The hash of the ledger's first journal entry. */
  ledger: string;
  seq: number;
  head: string;
  /** Wall-clock time the checkpoint was written. */
  at: string;
  kind: CheckpointKind;
  by?: string;
  reason?: string;
}

/** One line of the file: a checkpoint whose signature verifies, or why the line is not one. */
export type CheckpointLine = { line: number; checkpoint: Checkpoint } | { line: number; problem: string };

function pathOf(line: string): string | null {
  try {
    const p = (JSON.parse(line) as { path?: unknown }).path;
    return typeof p === 'string' ? p : null;
  } catch {
    return null;
  }
}

export class CheckpointStore {
  readonly file: string;
  readonly #dir: string;
  readonly #key: KeySource;

  constructor(dir: string, key: KeySource) {
    this.#dir = dir;
    this.file = path.join(dir, 'checkpoints.ndjson');
    this.#key = key;
  }

  #sign(c: Checkpoint): string {
    return createHmac('sha256', this.#key.key()).update(canonicalJson(c)).digest('hex');
  }

  /** Appends one signed line and syncs it to disk before returning. */
  append(c: Checkpoint): void {
    const line = `${canonicalJson({ ...c, sig: this.#sign(c) })}\n`;
    ensureDir(this.#dir);
    const fd = fs.openSync(this.file, 'a', 0o600);
    try {
      fs.writeSync(fd, line);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /** The raw lines, as written (an export copies them byte for byte). */
  rawLines(): string[] {
    if (!fs.existsSync(this.file)) return [];
    return fs.readFileSync(this.file, 'utf8').split('\n').filter((l) => l !== '');
  }

  /** Every line, parsed, with its signature checked. */
  read(): CheckpointLine[] {
    return this.rawLines().map((text, i) => {
      const line = i + 1;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        return { line, problem: 'not JSON' };
      }
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { sig?: unknown }).sig !== 'string') return { line, problem: 'no signature' };
      const { sig, ...c } = parsed as Checkpoint & { sig: string };
      const want = Buffer.from(this.#sign(c), 'hex');
      const got = Buffer.from(sig, 'hex');
      if (got.length !== want.length || !timingSafeEqual(got, want)) return { line, problem: 'its signature does not verify (edited, or signed with another key)' };
      return { line, checkpoint: c };
    });
  }

  /** Writes the raw lines (of one ledger path, or all) to a new file; never overwrites one. Returns how many. */
  exportTo(to: string, onlyPath?: string): number {
    const lines = this.rawLines().filter((l) => onlyPath === undefined || pathOf(l) === onlyPath);
    let fd: number;
    try {
      fd = fs.openSync(to, 'wx', 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new InputError(`${to} already exists: checkpoints export never overwrites a file`);
      throw new InputError(`cannot create ${to}: ${(e as Error).message}`);
    }
    try {
      fs.writeSync(fd, lines.map((l) => `${l}\n`).join(''));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    return lines.length;
  }
}
