// Creating a ledger: the schema, the default policy, and optionally the demo book with its users, written in one
// transaction with its journal entry (the first in the chain).
import type { Database } from 'better-sqlite3';
import { writeRows } from '../ledger/importRepo.ts';
import { writePolicySetting } from '../ledger/bookRepo.ts';
import { appendJournal } from '../ledger/journal.ts';
import { generateDemoBook, type DemoBook } from '../demo/generate.ts';
import { DEMO_PASSWORD_HASHES } from '../demo/demoHashes.ts';
import { insertUser } from '../ledger/userRepo.ts';
import { DEFAULT_POLICY } from '../engine/model.ts';
import { formatRate, formatAmount } from '../../shared/units.ts';
import { normaliseTime } from './time.ts';

/** The demo book's last mark: the violent day's close (the 2020-03-12 crash, replayed onto this date). */
export const DEMO_AS_OF = '2026-03-12T21:00:00.000Z';

export interface InitOptions {
  demo: boolean;
  accounts: number;
  seed: number;
  at?: string;
  dataDir?: string | null;
  /**
   * The first admin of a ledger without the demo book, whose password was hashed by the caller (off the event loop,
   * before this transaction). A demo book has the demo users instead, with their public passwords.
   */
  admin?: { name: string; passwordHash: string };
}

export interface InitReport {
  demo: boolean;
  asOf: string | null;
  members: number;
  accounts: number;
  positions: number;
  collateral: number;
  instruments: number;
  prices: number;
  users: string[];
  notes: string[];
}

function writeDefaultPolicy(db: Database): void {
  const p = DEFAULT_POLICY;
  writePolicySetting(db, 'callTrigger', p.callTrigger);
  writePolicySetting(db, 'liquidationHealth', formatRate(p.liquidationHealth));
  writePolicySetting(db, 'targetHealth', formatRate(p.targetHealth));
  writePolicySetting(db, 'liquidationFeeRate', formatRate(p.liquidationFeeRate));
  writePolicySetting(db, 'insuranceFeeRate', formatRate(p.insuranceFeeRate));
  writePolicySetting(db, 'amountScale', String(p.amountScale));
  writePolicySetting(db, 'cureMinutes', String(p.cureMinutes));
  writePolicySetting(db, 'fourEyesNotional', formatAmount(p.fourEyesNotional));
  writePolicySetting(db, 'fourEyesWaiver', formatAmount(p.fourEyesWaiver));
  writePolicySetting(db, 'bandWindowMinutes', String(p.bandWindowMinutes));
}

function writeDemo(db: Database, demo: DemoBook, at: string): void {
  const norm = (s: string) => normaliseTime(s);
  const w = (kind: Parameters<typeof writeRows>[1]) => writeRows(db, kind, norm);
  w({ kind: 'members', file: 'demo', rows: demo.members });
  w({ kind: 'accounts', file: 'demo', rows: demo.accounts });
  w({ kind: 'assets', file: 'demo', rows: demo.assets });
  w({ kind: 'haircuts', file: 'demo', rows: demo.assets.map((a) => ({ asset: a.id, haircuts: a.haircuts })) });
  w({ kind: 'instruments', file: 'demo', rows: demo.instruments });
  w({ kind: 'tiers', file: 'demo', rows: demo.instruments.map((x) => ({ instrument: x.id, tiers: x.tiers })) });
  w({ kind: 'impact', file: 'demo', rows: demo.instruments.flatMap((x) => (x.impact ? [{ instrument: x.id, impact: x.impact }] : [])) });
  w({ kind: 'positions', file: 'demo', rows: demo.positions });
  w({ kind: 'collateral', file: 'demo', rows: demo.collateral });
  w({ kind: 'prices', file: 'demo', rows: demo.history.map((p) => ({ ...p, impliedVol: null, source: 'demo' })) });
  w({ kind: 'asset-prices', file: 'demo', rows: demo.assetPrices.map((p) => ({ ...p, source: 'demo' })) });
  for (const u of demo.users) {
    const passwordHash = DEMO_PASSWORD_HASHES[u.name];
    if (!passwordHash) throw new Error(`demo user ${u.name} has no hash in main/demo/demoHashes.ts`);
    insertUser(db, { name: u.name, role: u.role, passwordHash, createdAt: at });
  }
}

export function initLedger(db: Database, opts: InitOptions, now: Date): InitReport {
  const at = now.toISOString();
  const demo = opts.demo
    ? generateDemoBook({
        accounts: opts.accounts,
        seed: opts.seed,
        asOf: opts.at ? normaliseTime(opts.at, 'at') : DEMO_AS_OF,
        ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir } : {}),
      })
    : null;
  const report: InitReport = {
    demo: opts.demo,
    asOf: demo?.asOf ?? null,
    members: demo?.members.length ?? 0,
    accounts: demo?.accounts.length ?? 0,
    positions: demo?.positions.length ?? 0,
    collateral: demo?.collateral.length ?? 0,
    instruments: demo?.instruments.length ?? 0,
    prices: demo?.history.length ?? 0,
    users: demo?.users.map((u) => `${u.name} (${u.role})`) ?? (opts.admin ? [`${opts.admin.name} (admin)`] : []),
    notes: demo?.notes ?? [],
  };
  db.transaction(() => {
    writeDefaultPolicy(db);
    if (demo) writeDemo(db, demo, at);
    else if (opts.admin) insertUser(db, { name: opts.admin.name, role: 'admin', passwordHash: opts.admin.passwordHash, createdAt: at, createdBy: 'init' });
    appendJournal(db, {
      at,
      actor: 'init',
      command: 'ledger.init',
      payload: { demo: opts.demo, accounts: opts.demo ? opts.accounts : 0, seed: opts.seed, asOf: report.asOf },
      result: { ...report, notes: undefined },
    });
  }).immediate();
  return report;
}
