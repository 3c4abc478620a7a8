// Demo ledgers on real files in a temporary folder, removed when the test process exits.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger, type Ledger } from '../../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../../main/commands/initLedger.ts';

/** A factory of demo ledgers (seed 7, as of DEMO_AS_OF), each a new file under one temporary folder. */
export function demoLedgers(prefix: string, defaultAccounts: number): (accounts?: number) => Ledger {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  return (accounts = defaultAccounts) => {
    const db = openLedger(path.join(dir, `l${n++}.db`), { create: true });
    initLedger(db, { demo: true, accounts, seed: 7 }, new Date(DEMO_AS_OF));
    return db;
  };
}
