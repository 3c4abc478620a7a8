// A throw-away ledger in a private temporary folder (verify --deep replays the journal into one).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger, type Ledger } from './db.ts';

export interface ScratchLedger {
  db: Ledger;
  /** Closes the ledger and removes its folder. */
  dispose(): void;
}

export function openScratchLedger(prefix: string): ScratchLedger {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    const db = openLedger(path.join(dir, 'ledger.db'), { create: true });
    // Nothing of it outlives the process that made it: a crash loses only the scratch copy, so no fsync is owed.
    db.pragma('synchronous = OFF');
    return {
      db,
      dispose() {
        if (db.open) db.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}
