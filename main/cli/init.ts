// `riskdesk init` and `riskdesk demo`.
import fs from 'node:fs';
import { openLedger } from '../ledger/db.ts';
import { createInitialisedLedger } from '../commands/initLedger.ts';
import { dispatch } from '../commands/dispatch.ts';
import type { CycleSummary } from '../../shared/contract.ts';
import { InputError } from '../../shared/errors.ts';
import { table } from '../text/table.ts';
import type { CliIo } from './io.ts';
import { fileAnchor } from '../anchor/anchor.ts';
import { DEMO_USERS } from '../demo/generate.ts';
import { readPassword } from './password.ts';
import { hashPassword, checkNewPassword } from '../commands/passwords.ts';
import { userName } from '../../shared/contractAdmin.ts';

/**
 * The first admin of a ledger without the demo book: the password from RISKDESK_ADMIN_PASSWORD (scripts) or asked
 * twice at the terminal, hashed before the ledger file exists.
 */
async function firstAdmin(io: CliIo, name: string): Promise<{ name: string; passwordHash: string }> {
  if (!userName.safeParse(name).success) throw new InputError(`--admin "${name}" is not a user name: lower-case letters, digits and . _ -`, { field: 'admin' });
  let password = io.env.RISKDESK_ADMIN_PASSWORD;
  if (password === undefined) {
    if (!io.stdin.isTTY) throw new InputError(`a new ledger needs its first admin's password: set RISKDESK_ADMIN_PASSWORD or run in a terminal to be asked`);
    password = await readPassword(io, `password for the first admin, ${name}: `);
    if ((await readPassword(io, 'the same again: ')) !== password) throw new InputError('the two passwords differ');
  }
  checkNewPassword(password, name, 'RISKDESK_ADMIN_PASSWORD');
  return { name, passwordHash: await hashPassword(password) };
}

export async function initCommand(
  io: CliIo,
  file: string,
  now: Date,
  o: { demo: boolean; accounts: number; seed: number; json: boolean; at?: string; admin?: string },
): Promise<number> {
  if (fs.existsSync(file)) throw new InputError(`${file} already exists: init makes a new ledger and never overwrites one`);
  if (o.accounts < 1) throw new InputError('--accounts must be at least 1');
  const admin = o.demo ? undefined : await firstAdmin(io, o.admin ?? 'admin');
  const { admin: _name, ...rest } = o;
  const { db, report: r } = createInitialisedLedger(file, { ...rest, ...(admin ? { admin } : {}) }, now, fileAnchor(file, io.env));
  try {
    if (o.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      io.stdout.write(`created ${file}${r.demo ? ` with the demo book as of ${r.asOf}` : ` (empty; first admin: ${admin?.name})`}\n`);
      if (r.demo) {
        table(
          io.stdout,
          ['members', 'accounts', 'positions', 'collateral', 'instruments', 'price points'],
          [[r.members, r.accounts, r.positions, r.collateral, r.instruments, r.prices].map(String)],
        );
        for (const n of r.notes) io.stdout.write(`note: ${n}\n`);
      }
    }
    return 0;
  } finally {
    db.close();
  }
}

/** The first command of the README until the console lands: make the demo book if needed, run a cycle, show it. */
export async function demoCommand(io: CliIo, file: string, accounts: number, json: boolean): Promise<number> {
  if (!fs.existsSync(file)) await initCommand(io, file, new Date(), { demo: true, accounts, seed: 1, json: false });
  const db = openLedger(file);
  try {
    const r = dispatch({ db, actor: { name: 'demo', role: 'operator' }, now: () => new Date() }, 'cycle.run', {}) as CycleSummary;
    if (json) {
      io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      return 0;
    }
    io.stdout.write(`\nmargin cycle ${r.cycle} over ${r.accounts} accounts (prices as of ${r.asOf}) in ${r.ms} ms\n\n`);
    table(io.stdout, ['status', 'accounts'], Object.entries(r.statuses).map(([k, v]) => [k, String(v)]), [1]);
    io.stdout.write('\n');
    table(io.stdout, ['margin calls', 'count'], Object.entries(r.calls).map(([k, v]) => [k, String(v)]), [1]);
    io.stdout.write('\n');
    table(io.stdout, ['total (USD)', 'amount'], Object.entries(r.totals).map(([k, v]) => [k, v]), [1]);
    io.stdout.write(`\nledger: ${file}\ntry: npx riskdesk calls --db ${file}\n`);
    io.stdout.write(`demo users: ${DEMO_USERS.map((u) => `${u.name}/${u.password}`).join(', ')}\n`);
    return 0;
  } finally {
    db.close();
  }
}
