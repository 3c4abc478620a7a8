// Creating a ledger: the schema, the default policy, and optionally the demo book with its users, written in one
// transaction with its journal entry (the first in the chain).
import type { Database } from 'better-sqlite3';
import { writeRows } from '../ledger/importRepo.ts';
import { writePolicySetting, markDemoLedger } from '../ledger/bookRepo.ts';
import { appendJournal } from '../ledger/journal.ts';
import { generateDemoBook, type DemoBook } from '../demo/generate.ts';
import { demoFundingRates, demoLimits } from '../demo/lifecycleDemo.ts';
import { withOptionsDesk } from '../demo/optionsDesk.ts';
import { DEMO_PASSWORD_HASHES } from '../demo/demoHashes.ts';
import { insertUser } from '../ledger/userRepo.ts';
import { DEFAULT_POLICY } from '../engine/model.ts';
import { formatRate, formatAmount } from '../../shared/units.ts';
import { normaliseTime } from '../../shared/time.ts';
import { createLedger, type Ledger } from '../ledger/db.ts';
import type { Role } from '../../shared/roles.ts';

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

/** A desk user as the init entry records it: the hash, never the password, so that a replay can write the same row. */
export interface InitUser {
  name: string;
  role: Role;
  passwordHash: string;
}

/**
 * The journal format a ledger's history is written in, recorded in its init entry. 2: every entry carries what
 * replaying it needs (an import's file contents, the users' password hashes, one clock reading per command), so
 * verify --deep can rebuild the ledger from its journal. A ledger whose init entry carries no format was created
 * before that, and its history cannot be replayed.
 */
export const JOURNAL_FORMAT = 2;

function writeDemo(db: Database, demo: DemoBook, users: readonly InitUser[], at: string, lifecycle: boolean): void {
  const norm = (s: string) => normaliseTime(s);
  const w = (kind: Parameters<typeof writeRows>[1]) => writeRows(db, kind, norm);
  markDemoLedger(db);
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
  if (lifecycle) {
    w({ kind: 'funding-rates', file: 'demo', rows: demoFundingRates(demo) });
    w({ kind: 'limits', file: 'demo', rows: demoLimits(demo) });
  }
  if (demo.volatilities) w({ kind: 'volatilities', file: 'demo', rows: demo.volatilities });
  const arrays = demo.instruments.flatMap((x) => (x.portfolio?.riskArray ? [{ instrument: x.id, values: x.portfolio.riskArray }] : []));
  if (arrays.length > 0) w({ kind: 'risk-arrays', file: 'demo', rows: arrays });
  for (const u of users) insertUser(db, { ...u, createdAt: at });
}

function demoBookOf(o: { demo: boolean; accounts: number; seed: number; asOf?: string | null; dataDir?: string | null }): DemoBook | null {
  if (!o.demo) return null;
  // The options desk comes after the rest of the book, which it leaves exactly as generated.
  return withOptionsDesk(
    generateDemoBook({
      accounts: o.accounts,
      seed: o.seed,
      asOf: o.asOf ? normaliseTime(o.asOf, 'at') : DEMO_AS_OF,
      ...(o.dataDir !== undefined ? { dataDir: o.dataDir } : {}),
    }),
  );
}

function writeInit(db: Database, demo: DemoBook | null, users: readonly InitUser[], at: string, lifecycle: boolean): void {
  writeDefaultPolicy(db);
  if (demo) writeDemo(db, demo, users, at, lifecycle);
  else for (const u of users) insertUser(db, { ...u, createdAt: at, createdBy: 'init' });
}

/** What a ledger.init entry of format 2 records. */
export interface InitPayload {
  format: number;
  demo: boolean;
  accounts: number;
  seed: number;
  asOf: string | null;
  users: InitUser[];
  /** 1: the demo book came with its funding rates and limits (lifecycleDemo.ts); absent in ledgers made before. */
  demoLifecycle?: 1;
}

/**
 * Writes what the recorded ledger.init wrote, from its payload (verify --deep), with its journal entry. The demo
 * book is generated again from its seed, size and date: the generator is deterministic and reads only the market
 * data shipped with the program.
 */
export function replayInit(db: Database, p: InitPayload, at: string, result: unknown): void {
  const demo = demoBookOf(p);
  db.transaction(() => {
    writeInit(db, demo, p.users, at, p.demoLifecycle === 1);
    appendJournal(db, { at, actor: 'init', command: 'ledger.init', payload: p, result });
  }).immediate();
}

export function initLedger(db: Database, opts: InitOptions, now: Date): InitReport {
  const at = now.toISOString();
  const demo = demoBookOf({ ...opts, asOf: opts.at ?? null });
  // The demo users' hashes are computed once (main/demo/demoHashes.ts): their passwords are printed in the README, and
  // at current scrypt parameters hashing five passwords would cost every demo init seconds. The init entry carries
  // the hashes (never a password), so that a replay writes the same rows.
  const users: InitUser[] = demo
    ? demo.users.map((u) => {
        const passwordHash = DEMO_PASSWORD_HASHES[u.name];
        if (!passwordHash) throw new Error(`demo user ${u.name} has no hash in main/demo/demoHashes.ts`);
        return { name: u.name, role: u.role, passwordHash };
      })
    : opts.admin
      ? [{ name: opts.admin.name, role: 'admin', passwordHash: opts.admin.passwordHash }]
      : [];
  const report: InitReport = {
    demo: opts.demo,
    asOf: demo?.asOf ?? null,
    members: demo?.members.length ?? 0,
    accounts: demo?.accounts.length ?? 0,
    positions: demo?.positions.length ?? 0,
    collateral: demo?.collateral.length ?? 0,
    instruments: demo?.instruments.length ?? 0,
    prices: demo?.history.length ?? 0,
    users: users.map((u) => `${u.name} (${u.role})`),
    notes: demo?.notes ?? [],
  };
  db.transaction(() => {
    writeInit(db, demo, users, at, true);
    const payload: InitPayload = {
      format: JOURNAL_FORMAT,
      demo: opts.demo,
      accounts: opts.demo ? opts.accounts : 0,
      seed: opts.seed,
      asOf: report.asOf,
      users,
      ...(demo ? { demoLifecycle: 1 as const } : {}),
    };
    appendJournal(db, {
      at,
      actor: 'init',
      command: 'ledger.init',
      payload,
      result: { ...report, notes: undefined },
    });
  }).immediate();
  return report;
}

/** What starts a new ledger's record of checkpoints (main/anchor LedgerAnchor; the desk app's or a file's). */
export interface InitAnchor {
  record(db: Database, kind: 'init'): unknown;
}

/**
 * A new ledger at `file`, filled by initLedger and its record of checkpoints started: riskdesk init, serve
 * --demo-if-missing and the app's first start. If either fails, nothing is left at `file` (createLedger).
 */
export function createInitialisedLedger(file: string, opts: InitOptions, now: Date, anchor: InitAnchor): { db: Ledger; report: InitReport } {
  const { db, value: report } = createLedger(file, (db) => {
    const r = initLedger(db, opts, now);
    // The new ledger's record of checkpoints starts here (a ledger made before at this path had its own).
    anchor.record(db, 'init');
    return r;
  });
  return { db, report };
}
