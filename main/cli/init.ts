// `riskdesk init` and `riskdesk demo`.
import fs from 'node:fs';
import { openLedger } from '../ledger/db.ts';
import { initLedger } from '../commands/initLedger.ts';
import { dispatch } from '../commands/dispatch.ts';
import type { CycleSummary } from '../../shared/contract.ts';
import { InputError } from '../../shared/errors.ts';
import { printTable } from './table.ts';
import { fileAnchor } from '../anchor/anchor.ts';
import { DEMO_USERS } from '../demo/generate.ts';

export function initCommand(file: string, now: Date, o: { demo: boolean; accounts: number; seed: number; json: boolean; at?: string }): number {
  if (fs.existsSync(file)) throw new InputError(`${file} already exists: init makes a new ledger and never overwrites one`);
  if (o.accounts < 1) throw new InputError('--accounts must be at least 1');
  let db: ReturnType<typeof openLedger>;
  try {
    db = openLedger(file, { create: true });
  } catch (e) {
    // A missing directory, an unwritable place: the path given is the problem, not the program. The file did not
    // exist before (checked above): leave nothing behind.
    for (const suffix of ['', '-wal', '-shm']) fs.rmSync(`${file}${suffix}`, { force: true });
    throw new InputError((e as Error).message);
  }
  try {
    const r = initLedger(db, o, now);
    // The new ledger's record of checkpoints starts here (a ledger made before at this path had its own).
    fileAnchor(file).record(db, 'init');
    if (o.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      process.stdout.write(`created ${file}${r.demo ? ` with the demo book as of ${r.asOf}` : ' (empty)'}\n`);
      if (r.demo) {
        printTable(
          ['members', 'accounts', 'positions', 'collateral', 'instruments', 'price points'],
          [[r.members, r.accounts, r.positions, r.collateral, r.instruments, r.prices].map(String)],
        );
        for (const n of r.notes) process.stdout.write(`note: ${n}\n`);
      }
    }
    return 0;
  } catch (e) {
    db.close();
    fs.rmSync(file, { force: true });
    fs.rmSync(`${file}-wal`, { force: true });
    fs.rmSync(`${file}-shm`, { force: true });
    throw e;
  } finally {
    if (db.open) db.close();
  }
}

/** The first command of the README until the console lands: make the demo book if needed, run a cycle, show it. */
export function demoCommand(file: string, accounts: number, json: boolean): number {
  if (!fs.existsSync(file)) initCommand(file, new Date(), { demo: true, accounts, seed: 1, json: false });
  const db = openLedger(file);
  try {
    const r = dispatch({ db, actor: { name: 'demo', role: 'operator' }, now: () => new Date() }, 'cycle.run', {}) as CycleSummary;
    if (json) {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    process.stdout.write(`\nmargin cycle ${r.cycle} over ${r.accounts} accounts (prices as of ${r.asOf}) in ${r.ms} ms\n\n`);
    printTable(['status', 'accounts'], Object.entries(r.statuses).map(([k, v]) => [k, String(v)]), [1]);
    process.stdout.write('\n');
    printTable(['margin calls', 'count'], Object.entries(r.calls).map(([k, v]) => [k, String(v)]), [1]);
    process.stdout.write('\n');
    printTable(['total (USD)', 'amount'], Object.entries(r.totals).map(([k, v]) => [k, v]), [1]);
    process.stdout.write(`\nledger: ${file}\ntry: npx riskdesk calls --db ${file}\n`);
    process.stdout.write(`demo users: ${DEMO_USERS.map((u) => `${u.name}/${u.password}`).join(', ')}\n`);
    return 0;
  } finally {
    db.close();
  }
}
