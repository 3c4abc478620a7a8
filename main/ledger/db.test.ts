import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openLedger, checkpointWal, LATEST_VERSION } from './db.ts';
import { APPLICATION_ID, MIGRATIONS, runMigrations, type Migration } from './migrations/index.ts';
import { CALL_STATUSES } from '../../shared/contract.ts';
import { readInstruments } from './bookRepo.ts';
import { insertCycle } from './cycleRepo.ts';
import { callWriter } from './callRepo.ts';
import { recordPolicyChange } from './policyRepo.ts';
import { appendJournal } from './journal.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-ledger-db-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const newFile = (): string => path.join(tmp, `ledger-${++n}.db`);

const TABLES = [
  'accounts',
  'approvals',
  'assessment_payments',
  'assessments',
  'asset_haircuts',
  'asset_prices',
  'assets',
  'automation_switches',
  'circuit_breakers',
  'collateral',
  'cycle_isolated_units',
  'cycle_result_changes',
  'cycle_result_chunks',
  'default_bids',
  'default_cases',
  'default_closeout_positions',
  'default_events',
  'default_fund_entries',
  'default_fund_replenishments',
  'default_layers',
  'default_member_allocations',
  'default_ports',
  'expiry_closes',
  'expiry_deliveries',
  'expiry_settlements',
  'fund_entries',
  'funding_events',
  'funding_feed_clock',
  'funding_payments',
  'funding_rates',
  'import_publishing',
  'instrument_delivery',
  'instrument_impact',
  'instrument_risk_arrays',
  'instrument_tiers',
  'instruments',
  'journal',
  'liquidation_events',
  'liquidation_fills',
  'liquidation_orders',
  'liquidations',
  'margin_call_events',
  'margin_calls',
  'margin_cycles',
  'member_events',
  'members',
  'option_exercises',
  'option_expiries',
  'playbook_run_steps',
  'playbook_runs',
  'playbook_versions',
  'policy',
  'policy_history',
  'position_limits',
  'positions',
  'prices',
  'recovery_allocations',
  'role_grants',
  'sessions',
  'settlement_prices',
  'shortfalls',
  'sign_in_attempts',
  'spread_legs',
  'spreads',
  'stress_scenarios',
  'users',
  'volatilities',
];

const T0 = '2026-03-12T16:00:00.000Z';

function schemaOf(db: Database.Database): string[] {
  return (db.prepare('SELECT type, name, sql FROM sqlite_schema ORDER BY type, name').all() as {
    type: string;
    name: string;
    sql: string | null;
  }[]).map((r) => `${r.type} ${r.name} ${r.sql ?? ''}`);
}

function userVersion(db: Database.Database): number {
  return Number(db.pragma('user_version', { simple: true }));
}

function sqliteCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
  return 'no error';
}

/** A member, two accounts, an asset, an instrument and a margin cycle. */
function seed(db: Database.Database): void {
  db.exec(`
    INSERT INTO members (id, name, status, default_fund, assessment_multiple) VALUES ('M1', 'Member one', 'active', 5000000000, 2000000);
    INSERT INTO accounts VALUES ('A1', 'M1', 'house', 'cross'), ('A2', 'M1', 'client', 'isolated');
    INSERT INTO assets VALUES ('USD', 2, 0, 'cash');
    INSERT INTO asset_haircuts VALUES ('USD', 0, 0);
    INSERT INTO instruments (id, kind, underlying, multiplier, lot, tick, lot_tick_value, margin)
      VALUES ('BTC-PERP', 'perpetual', 'BTC', '1', '0.001', '0.1', 100, 'tiered');
    INSERT INTO instrument_tiers VALUES ('BTC-PERP', 0, 4000, 8000);
    INSERT INTO margin_cycles (as_of, run_at, actor, accounts, summary) VALUES ('${T0}', '${T0}', 'system', 2, '{}');
  `);
}

/** Inserts a call of cycle 1: parameters account, amount, status. */
const ISSUE_CALL = `INSERT INTO margin_calls (account_id, cycle_id, amount, deadline, status, created_at, updated_at)
  VALUES (?, 1, ?, '2026-03-12T17:00:00.000Z', ?, '${T0}', '${T0}')`;

/** A ledger file migrated only to `step`, with foreign keys on and seed() in it: an older release's ledger. */
function seededAtStep(step: number): { file: string; db: Database.Database } {
  const file = newFile();
  const db = new Database(file);
  db.pragma('foreign_keys = ON');
  runMigrations(db, MIGRATIONS.slice(0, step));
  seed(db);
  return { file, db };
}

test('a new ledger: every table STRICT, user_version and application_id set, pragmas on', () => {
  const file = newFile();
  const db = openLedger(file, { create: true });
  try {
    assert.equal(LATEST_VERSION, MIGRATIONS.length);
    assert.equal(userVersion(db), LATEST_VERSION);
    assert.equal(Number(db.pragma('application_id', { simple: true })), APPLICATION_ID);
    const tables = (db.pragma('table_list') as { schema: string; name: string; type: string; strict: bigint }[])
      .filter((t) => t.schema === 'main' && t.type === 'table' && !t.name.startsWith('sqlite_'))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
    assert.deepEqual(
      tables.map((t) => t.name),
      TABLES,
    );
    for (const t of tables) assert.equal(Number(t.strict), 1, `${t.name} is STRICT`);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(Number(db.pragma('synchronous', { simple: true })), 1); // NORMAL (WAL): see db.ts
    assert.equal(Number(db.pragma('foreign_keys', { simple: true })), 1);
    assert.equal(Number(db.pragma('busy_timeout', { simple: true })), 5000);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
});

test('reopening a current ledger is a no-op', () => {
  const file = newFile();
  const db1 = openLedger(file, { create: true });
  seed(db1);
  const before = schemaOf(db1);
  db1.close();
  const db2 = openLedger(file);
  try {
    assert.deepEqual(schemaOf(db2), before);
    assert.equal(userVersion(db2), LATEST_VERSION);
    assert.deepEqual(runMigrations(db2), { from: LATEST_VERSION, to: LATEST_VERSION, applied: [] });
    assert.equal(Number(db2.prepare('SELECT count(*) FROM accounts').pluck().get()), 2);
  } finally {
    db2.close();
  }
});

test('a missing file without create is an error naming the file; read-only open works and refuses writes', () => {
  const file = newFile();
  assert.throws(() => openLedger(file), (e: Error) => e.message.includes(file) && /not found/.test(e.message));
  assert.equal(fs.existsSync(file), false);
  assert.throws(() => openLedger(file, { readonly: true }), (e: Error) => e.message.includes(file));
  openLedger(file, { create: true }).close();
  const ro = openLedger(file, { readonly: true });
  try {
    assert.equal(userVersion(ro), LATEST_VERSION);
    assert.throws(() => ro.exec("INSERT INTO policy VALUES ('k', 'v')"), /readonly/);
  } finally {
    ro.close();
  }
});

test('a ledger newer than the application is refused, naming both versions, and left untouched', () => {
  const file = newFile();
  openLedger(file, { create: true }).close();
  const raw = new Database(file);
  raw.pragma(`user_version = ${LATEST_VERSION + 1}`);
  raw.close();
  for (const opts of [{}, { readonly: true }]) {
    assert.throws(
      () => openLedger(file, opts),
      (e: Error) =>
        e.message.includes(`schema version ${LATEST_VERSION + 1}`) &&
        e.message.includes(`latest version ${LATEST_VERSION}`),
    );
  }
  const check = new Database(file, { readonly: true });
  assert.equal(userVersion(check), LATEST_VERSION + 1);
  check.close();
});

test('a failing migration step rolls back every pending step: version and schema unchanged', () => {
  const broken: Migration = {
    version: LATEST_VERSION + 1,
    name: 'broken',
    up: `CREATE TABLE extra (a INTEGER NOT NULL) STRICT;
         ALTER TABLE members ADD COLUMN note TEXT;
         INSERT INTO no_such_table VALUES (1);`,
  };
  // An existing ledger at LATEST_VERSION.
  const file = newFile();
  const db = openLedger(file, { create: true });
  seed(db);
  const before = schemaOf(db);
  assert.throws(() => runMigrations(db, [...MIGRATIONS, broken]), /migration \d+ "broken" failed: no such table/);
  assert.equal(userVersion(db), LATEST_VERSION);
  assert.deepEqual(schemaOf(db), before);
  assert.equal(db.inTransaction, false);
  db.close();

  // A fresh file: v1 and the broken step are one transaction, so nothing at all is created.
  const fresh = new Database(newFile());
  assert.throws(() => runMigrations(fresh, [...MIGRATIONS, broken]), /broken/);
  assert.equal(userVersion(fresh), 0);
  assert.equal(Number(fresh.pragma('application_id', { simple: true })), 0);
  assert.deepEqual(schemaOf(fresh), []);
  // And the good steps then apply cleanly.
  assert.deepEqual(runMigrations(fresh).applied, MIGRATIONS.map((m) => m.version));
  fresh.close();
});

test('a further step applies once and sets user_version; misnumbered steps are refused', () => {
  const file = newFile();
  const db = openLedger(file, { create: true });
  const extra: Migration = { version: LATEST_VERSION + 1, name: 'extra', up: 'CREATE TABLE extra (a INTEGER) STRICT;' };
  assert.deepEqual(runMigrations(db, [...MIGRATIONS, extra]), {
    from: LATEST_VERSION,
    to: LATEST_VERSION + 1,
    applied: [LATEST_VERSION + 1],
  });
  assert.equal(userVersion(db), LATEST_VERSION + 1);
  assert.deepEqual(runMigrations(db, [...MIGRATIONS, extra]).applied, []);
  assert.throws(() => runMigrations(db, [...MIGRATIONS, { ...extra, version: LATEST_VERSION + 2 }]), /numbered/);
  db.close();
});

test('a database of another application is refused', () => {
  const file = newFile();
  const raw = new Database(file);
  raw.exec('CREATE TABLE other (x INTEGER)');
  raw.close();
  assert.throws(() => openLedger(file), /not a Riskdesk ledger/);
  const junk = newFile();
  fs.writeFileSync(junk, 'this is not a database, just text that is long enough to be a header '.repeat(20));
  assert.throws(() => openLedger(junk), (e: Error) => e.message.includes(junk));
});

test('foreign keys are enforced', () => {
  const db = openLedger(newFile(), { create: true });
  try {
    seed(db);
    assert.equal(
      sqliteCode(() => db.exec("INSERT INTO accounts VALUES ('A9', 'NO-SUCH-MEMBER', 'house', 'cross')")),
      'SQLITE_CONSTRAINT_FOREIGNKEY',
    );
    assert.equal(
      sqliteCode(() => db.exec("INSERT INTO positions VALUES ('A1', 'NO-SUCH-INSTRUMENT', 1, 1, NULL)")),
      'SQLITE_CONSTRAINT_FOREIGNKEY',
    );
    assert.equal(sqliteCode(() => db.exec("DELETE FROM members WHERE id = 'M1'")), 'SQLITE_CONSTRAINT_FOREIGNKEY');
    // An option's underlying instrument is checked at commit (deferred), so import order does not matter.
    const insertOption = db.transaction(() => {
      db.exec(`INSERT INTO instruments (id, kind, underlying, multiplier, lot, tick, lot_tick_value, margin, expiry,
                 option_right, option_strike, underlying_instrument, short_option_minimum)
               VALUES ('ES-C', 'option', 'ES', '50', '1', '0.25', 12500000, 'portfolio', '${T0}', 'call', 16400,
                 'ES-FUT', 0)`);
    });
    assert.equal(sqliteCode(insertOption), 'SQLITE_CONSTRAINT_FOREIGNKEY');
    assert.equal(db.inTransaction, false);
    assert.equal(Number(db.prepare("SELECT count(*) FROM instruments WHERE id = 'ES-C'").pluck().get()), 0);
  } finally {
    db.close();
  }
});

test('STRICT and CHECK constraints refuse bad values', () => {
  const db = openLedger(newFile(), { create: true });
  try {
    seed(db);
    assert.equal(
      sqliteCode(() =>
        db.prepare('INSERT INTO members (id, name, default_fund, assessment_multiple) VALUES (?, ?, ?, ?)').run(
          'M2',
          'x',
          '5 million',
          0,
        ),
      ),
      'SQLITE_CONSTRAINT_DATATYPE',
    );
    assert.equal(
      sqliteCode(() => db.prepare("INSERT INTO positions VALUES ('A1', 'BTC-PERP', ?, 0, NULL)").run(1.5)),
      'SQLITE_CONSTRAINT_DATATYPE',
    );
    const check = (sql: string): void => assert.equal(sqliteCode(() => db.exec(sql)), 'SQLITE_CONSTRAINT_CHECK', sql);
    check("UPDATE members SET status = 'bankrupt' WHERE id = 'M1'");
    check("INSERT INTO accounts VALUES ('A3', 'M1', 'house', 'portfolio')");
    check("INSERT INTO asset_prices (asset_id, at, price, source) VALUES ('USD', '2026-03-12 16:00:00', 100, 'feed')");
    check("INSERT INTO instrument_tiers VALUES ('BTC-PERP', 1000, 9000, 8000)"); // imr < mmr
    check("INSERT INTO instruments (id, kind, underlying, multiplier, lot, tick, lot_tick_value, margin) VALUES ('X', 'future', 'X', '1', '0', '1', 1, 'tiered')");
    check("INSERT INTO instruments (id, kind, underlying, multiplier, lot, tick, lot_tick_value, margin) VALUES ('X', 'future', 'X', '1.2.3', '1', '1', 1, 'tiered')");
    check("INSERT INTO instruments (id, kind, underlying, multiplier, lot, tick, lot_tick_value, margin) VALUES ('X', 'future', 'X', '1', '1', '1', 0, 'tiered')");
    check("INSERT INTO instruments (id, kind, underlying, multiplier, lot, tick, lot_tick_value, margin) VALUES ('X', 'option', 'X', '1', '1', '1', 1, 'tiered')");
    check(`INSERT INTO cycle_result_chunks VALUES (1, 0, 'A1', 'A1', 1, '["A1"]', x'00')`); // figures of the wrong length
    check(`INSERT INTO margin_cycles (as_of, run_at, actor, accounts, summary) VALUES ('${T0}', '${T0}', 'sys', 1, 'not json')`);
    check("INSERT INTO users (name, role, password_hash, created_at) VALUES ('ann', 'root', 'h', '2026-03-12T16:00:00.000Z')");
  } finally {
    db.close();
  }
});

test('int64 amounts round-trip exactly (INTEGER columns read as bigint)', () => {
  const db = openLedger(newFile(), { create: true });
  try {
    seed(db);
    const big = 9_223_372_036_854_775_807n;
    db.prepare("UPDATE members SET default_fund = ? WHERE id = 'M1'").run(big);
    assert.equal(db.prepare("SELECT default_fund FROM members WHERE id = 'M1'").pluck().get(), big);
    assert.throws(() => db.prepare("UPDATE members SET default_fund = ? WHERE id = 'M1'").run(big + 1n), RangeError);
  } finally {
    db.close();
  }
});

test('one open-or-overdue margin call per account (the account index is unique on live calls)', () => {
  const db = openLedger(newFile(), { create: true });
  try {
    seed(db);
    const issue = db.prepare(ISSUE_CALL);
    issue.run('A1', 1000000, 'open');
    assert.equal(sqliteCode(() => issue.run('A1', 1000000, 'open')), 'SQLITE_CONSTRAINT_UNIQUE');
    assert.equal(sqliteCode(() => issue.run('A1', 1000000, 'overdue')), 'SQLITE_CONSTRAINT_UNIQUE');
    issue.run('A2', 1000000, 'open'); // another account is fine
    issue.run('A1', 1000000, 'met'); // closed calls do not count
    issue.run('A1', 1000000, 'waived');
    db.exec("UPDATE margin_calls SET status = 'met' WHERE account_id = 'A1' AND status = 'open'");
    issue.run('A1', 1000000, 'open'); // a new call once the old one is closed
    db.prepare(
      "INSERT INTO margin_call_events (call_id, at, actor, kind, amount, note) VALUES (1, ?, 'ops', 'issued', 1000000, '')",
    ).run(T0);
    assert.equal(
      sqliteCode(() =>
        db.prepare("INSERT INTO margin_call_events (call_id, at, actor, kind) VALUES (99, ?, 'ops', 'issued')").run(T0),
      ),
      'SQLITE_CONSTRAINT_FOREIGNKEY',
    );
  } finally {
    db.close();
  }
});


// Step 4 replaced the two indexes keyed by account with one. A ledger written at step 3 must keep its calls and
// its rule of one live call per account, and a lookup of an account's calls must still go through an index (the
// account detail and the cycle's clearing of held calls ask it), not scan every call the ledger holds.
test('step 4: a step-3 ledger keeps its calls and one live call per account, and an account\'s calls are looked up by index', () => {
  const { file, db: v3 } = seededAtStep(3);
  const ins = v3.prepare(ISSUE_CALL);
  ins.run('A1', 1000000, 'met');
  ins.run('A1', 2000000, 'open');
  ins.run('A2', 3000000, 'overdue');
  const before = v3.prepare('SELECT * FROM margin_calls ORDER BY id').raw().all();
  v3.close();

  const db = openLedger(file);
  try {
    assert.equal(userVersion(db), LATEST_VERSION);
    assert.ok(LATEST_VERSION >= 4);
    assert.deepEqual(db.prepare('SELECT * FROM margin_calls ORDER BY id').safeIntegers(false).raw().all(), before.map((r) => [...(r as unknown[]), null]), 'kept, and no policy version recorded (step 10)');
    const names = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'margin_calls' ORDER BY name").pluck().all();
    assert.deepEqual(names, ['margin_calls_account_live', 'margin_calls_cycle', 'margin_calls_status_deadline']);
    const again = db.prepare(ISSUE_CALL);
    assert.equal(sqliteCode(() => again.run('A1', 1, 'open')), 'SQLITE_CONSTRAINT_UNIQUE');
    assert.equal(sqliteCode(() => again.run('A2', 1, 'open')), 'SQLITE_CONSTRAINT_UNIQUE');
    assert.equal(sqliteCode(() => db.exec("UPDATE margin_calls SET status = 'overdue' WHERE id = 1")), 'SQLITE_CONSTRAINT_UNIQUE');
    again.run('A1', 1, 'waived');
    const plan = (sql: string) => (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all('A1') as { detail: string }[]).map((r) => r.detail).join('; ');
    for (const sql of [
      'SELECT id FROM margin_calls WHERE account_id = ? ORDER BY id',
      "SELECT id FROM margin_calls WHERE account_id = ? AND status IN ('waived', 'escalated') AND cleared_at IS NULL",
    ]) {
      assert.match(plan(sql), /USING (COVERING )?INDEX margin_calls_account_live \(account_id=\?\)/, sql);
    }
  } finally {
    db.close();
  }
});

// Step 5 rebuilt the calls and their events so that their status and kind CHECKs are chains of equalities, not IN
// lists: SQLite builds a temporary b-tree for an IN list of more than two constants every time an insert checks it.
// A step-4 ledger must come through with every row, id and AUTOINCREMENT high-water mark, the same values refused,
// and inserts whose bytecode opens no temporary table.
test('step 5: a step-4 ledger keeps its calls, events and ids; the checks refuse the same values without building a table', () => {
  const { file, db: v4 } = seededAtStep(4);
  const event = "INSERT INTO margin_call_events (call_id, at, actor, kind, amount) VALUES (?, ?, 'ops', ?, ?)";
  const explainOps = (db: Database.Database, sql: string) =>
    (db.prepare(`EXPLAIN ${sql}`).all(...sql.split('?').slice(1).map(() => null)) as { opcode: string }[]).map((r) => r.opcode);
  assert.ok(explainOps(v4, ISSUE_CALL).includes('OpenEphemeral'), 'step 4 inserts build a table for the IN list');
  const ins = v4.prepare(ISSUE_CALL);
  const ev = v4.prepare(event);
  ins.run('A1', 1000000, 'met');
  ev.run(1, T0, 'issued', 1000000);
  ev.run(1, T0, 'deposit', 1000000);
  ev.run(1, T0, 'met', null);
  ins.run('A2', 3000000, 'overdue');
  ev.run(2, T0, 'issued', 3000000);
  // A call that was written and then removed: its id must never be handed out again.
  ins.run('A2', 5000000, 'met');
  v4.exec('DELETE FROM margin_calls WHERE id = 3');
  const rows = (db: Database.Database, t: string) => db.prepare(`SELECT * FROM ${t} ORDER BY id`).safeIntegers(false).raw().all();
  const before = { calls: rows(v4, 'margin_calls'), events: rows(v4, 'margin_call_events') };
  v4.close();

  const db = openLedger(file);
  try {
    assert.equal(userVersion(db), LATEST_VERSION);
    assert.ok(LATEST_VERSION >= 5);
    // Kept, and (step 10) no policy version recorded for calls written before versions were.
    assert.deepEqual({ calls: rows(db, 'margin_calls'), events: rows(db, 'margin_call_events') }, { ...before, calls: before.calls.map((r) => [...(r as unknown[]), null]) });
    assert.deepEqual(db.pragma('foreign_key_check'), []);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(
      db.prepare("SELECT name, seq FROM sqlite_sequence WHERE name LIKE 'margin_call%' ORDER BY name").safeIntegers(false).all(),
      [{ name: 'margin_call_events', seq: 4 }, { name: 'margin_calls', seq: 3 }],
    );
    const names = db.prepare("SELECT name FROM sqlite_schema WHERE tbl_name LIKE 'margin_call%' AND type = 'index' ORDER BY name").pluck().all();
    assert.deepEqual(names, ['margin_call_events_call', 'margin_calls_account_live', 'margin_calls_cycle', 'margin_calls_status_deadline']);
    for (const sql of [ISSUE_CALL, event]) assert.ok(!explainOps(db, sql).includes('OpenEphemeral'), sql);

    assert.equal(Number(db.prepare(ISSUE_CALL).run('A1', 1000000, 'open').lastInsertRowid), 4);
    assert.equal(Number(db.prepare(event).run(4, T0, 'issued', 1000000).lastInsertRowid), 5);
    const check = (fn: () => unknown) => assert.equal(sqliteCode(fn), 'SQLITE_CONSTRAINT_CHECK');
    check(() => db.prepare(ISSUE_CALL).run('A2', 1, 'closed'));
    check(() => db.prepare(ISSUE_CALL).run('A2', 1, 'OPEN'));
    check(() => db.exec("UPDATE margin_calls SET status = 'paid' WHERE id = 1"));
    check(() => db.prepare(event).run(1, T0, 'refunded', 1));
    check(() => db.prepare(event).run(1, T0, 'deposit', 0));
    // Every status the contract names is one the ledger accepts (open and overdue are live: one per account).
    for (const s of CALL_STATUSES.filter((x) => x !== 'open' && x !== 'overdue')) db.prepare(ISSUE_CALL).run('A2', 1, s);
    for (const k of ['raised', 'lowered', 'extended', 'waiver_requested', 'waived', 'overdue', 'escalated', 'cleared']) db.prepare(event).run(1, T0, k, null);
    assert.equal(sqliteCode(() => db.prepare(ISSUE_CALL).run('A1', 1, 'overdue')), 'SQLITE_CONSTRAINT_UNIQUE');
    assert.equal(sqliteCode(() => db.prepare(event).run(99, T0, 'issued', 1)), 'SQLITE_CONSTRAINT_FOREIGNKEY');
  } finally {
    db.close();
  }
});

test('step 6: a step-5 ledger keeps its instruments as ordinary ones (scale 0) and then takes a fine one in canonical form', () => {
  const { file, db: v5 } = seededAtStep(5);
  v5.close();
  const db = openLedger(file);
  try {
    assert.equal(userVersion(db), LATEST_VERSION);
    assert.ok(LATEST_VERSION >= 6);
    assert.deepEqual(readInstruments(db).map((i) => [i.id, i.lotTickValue, i.lotTickScale]), [['BTC-PERP', 100n, 0]]);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    // A lot of 0.00001 at a tick of 0.01: K = 0.1 micro-USD = 1 x 10^-1.
    const add = (v: number, s: number) =>
      db.prepare(`INSERT INTO instruments (id, kind, underlying, multiplier, lot, tick, lot_tick_value, lot_tick_scale, margin)
        VALUES ('BTC-FINE-' || ?, 'perpetual', 'BTC', '1', '0.00001', '0.01', ?, ?, 'tiered')`).run(`${v}-${s}`, v, s);
    add(1, 1);
    assert.deepEqual(readInstruments(db).find((i) => i.id === 'BTC-FINE-1-1')?.lotTickScale, 1);
    const check = (fn: () => unknown) => assert.equal(sqliteCode(fn), 'SQLITE_CONSTRAINT_CHECK');
    check(() => add(10, 2)); // 0.1 again, not in its one form
    check(() => add(1, 19)); // finer than the engine takes
    check(() => add(1, -1));
  } finally {
    db.close();
  }
});

// The live ticker checkpoints every hundred ticks; the first commit into a restarted WAL fsyncs its header, so
// checkpointWal restarts the WAL itself (a write of page 1 that changes nothing) rather than leave that to the
// next tick. After it, the WAL holds only that write. While a reader holds frames the checkpoint cannot copy,
// nothing is restarted.
test('checkpointWal restarts a fully checkpointed WAL at once, changing nothing, and leaves one a reader holds', () => {
  const file = newFile();
  const db = openLedger(file, { create: true });
  try {
    db.pragma('wal_autocheckpoint = 0');
    seed(db);
    db.exec(`INSERT INTO margin_calls (account_id, cycle_id, amount, deadline, status, created_at, updated_at) VALUES ('A1', 1, 5, '${T0}', 'met', '${T0}', '${T0}')`);
    const ins = db.prepare(`INSERT INTO margin_call_events (call_id, at, actor, kind, amount, note) VALUES (1, '${T0}', 'ops', 'issued', 1, ?)`);
    for (let i = 0; i < 40; i++) ins.run('x'.repeat(3000));
    const version = userVersion(db);

    // A reader whose snapshot is in the WAL, then a later commit: the checkpoint can copy only up to the
    // reader's snapshot, so the WAL is not restarted (and nothing fails).
    const reader = new Database(file, { readonly: true });
    reader.exec('BEGIN');
    assert.equal(reader.prepare('SELECT count(*) FROM margin_call_events').pluck().get(), 40);
    ins.run('after the reader');
    assert.equal(checkpointWal(db), false);
    reader.exec('COMMIT');
    reader.close();

    assert.equal(checkpointWal(db), true);
    const [after] = db.pragma('wal_checkpoint(PASSIVE)') as { log: bigint }[];
    assert.ok(Number(after!.log) <= 2, `the WAL was restarted (${after!.log} frames in it)`);
    assert.equal(userVersion(db), version);
    assert.equal(db.prepare('SELECT count(*) FROM margin_call_events').pluck().get(), 41n);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
  } finally {
    db.close();
  }
});

test('step 10: a step-9 ledger keeps its cycle and calls with no policy version (none was recorded); rows written after it get the version in force', () => {
  const { file, db: v9 } = seededAtStep(9);
  v9.prepare(ISSUE_CALL).run('A1', 1000000, 'open');
  v9.close();
  const db = openLedger(file);
  try {
    assert.equal(userVersion(db), LATEST_VERSION);
    assert.deepEqual(db.prepare('SELECT policy_version FROM margin_cycles UNION ALL SELECT policy_version FROM margin_calls').pluck().all(), [null, null]);
    const cycle = insertCycle(db, { asOf: T0, runAt: T0, actor: 'system', accounts: 2 });
    db.exec(`INSERT INTO approvals (channel, payload, subject, summary, requested_by, requested_at, status, decided_by, decided_at)
      VALUES ('policies.change', '{}', 'policy:cureMinutes', 'cure', 'sup1', '${T0}', 'confirmed', 'sup2', '${T0}')`);
    recordPolicyChange(db, { key: 'cureMinutes', newValue: '30', reason: 'shorter', requestedBy: 'sup1', requestedAt: T0, confirmedBy: 'sup2', at: T0, approval: 1 });
    callWriter(db).insert({ account: 'A2', cycle, amount: 5n, deadline: T0, at: T0 });
    assert.deepEqual(db.prepare('SELECT id, policy_version FROM margin_cycles ORDER BY id').safeIntegers(false).raw().all(), [[1, null], [2, 0]]);
    assert.deepEqual(db.prepare('SELECT id, policy_version FROM margin_calls ORDER BY id').safeIntegers(false).raw().all(), [[1, null], [2, 1]]);
    assert.deepEqual(db.prepare("SELECT key, value FROM policy WHERE key = 'cureMinutes'").raw().all(), [['cureMinutes', '30']]);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
  } finally {
    db.close();
  }
});

test('step 15: a step-14 ledger keeps its recovery allocations, ids and sequence; the tool CHECK takes partialTearUp and still refuses an unknown tool', () => {
  const { file, db: v14 } = seededAtStep(14);
  v14.exec(`
    INSERT INTO default_cases (member_id, status, reason, prior_status, declared_by, declared_at, updated_at)
      VALUES ('M1', 'recovered', 'missed settlement', 'active', 'sup1', '${T0}', '${T0}');
    INSERT INTO recovery_allocations (id, case_id, tool, member_id, account_id, amount, detail)
      VALUES (7, 1, 'adl', 'M1', 'A1', 1500000, '{"instrument":"BTC-PERP","lots":"3"}'), (9, 1, 'socialisedLoss', 'M1', NULL, 20000, '{}');
  `);
  const tearUp = `INSERT INTO recovery_allocations (case_id, tool, member_id, account_id, amount) VALUES (1, ?, 'M1', 'A1', 1)`;
  assert.equal(sqliteCode(() => v14.prepare(tearUp).run('partialTearUp')), 'SQLITE_CONSTRAINT_CHECK', 'refused before step 15');
  v14.close();
  const db = openLedger(file);
  try {
    assert.equal(userVersion(db), LATEST_VERSION);
    assert.deepEqual(db.prepare('SELECT id, tool, account_id, amount, detail FROM recovery_allocations ORDER BY id').safeIntegers(false).raw().all(), [
      [7, 'adl', 'A1', 1500000, '{"instrument":"BTC-PERP","lots":"3"}'],
      [9, 'socialisedLoss', null, 20000, '{}'],
    ]);
    assert.equal(Number(db.prepare(tearUp).run('partialTearUp').lastInsertRowid), 10, 'the AUTOINCREMENT high-water mark is kept');
    assert.equal(sqliteCode(() => db.prepare(tearUp).run('tearUp')), 'SQLITE_CONSTRAINT_CHECK');
    assert.deepEqual(db.prepare("SELECT name FROM sqlite_master WHERE tbl_name LIKE 'recovery_allocations%' ORDER BY name").pluck().all(), ['recovery_allocations', 'recovery_allocations_case']);
    assert.deepEqual(db.pragma('foreign_key_check'), []);
  } finally {
    db.close();
  }
});

test("step 16: a step-15 ledger keeps its funding rates and gets each perpetual's feed clock from its marked rates and its journal", () => {
  const { file, db: v15 } = seededAtStep(15);
  v15.exec(`
    INSERT INTO instruments (id, kind, underlying, multiplier, lot, tick, lot_tick_value, margin)
      VALUES ('ETH-PERP', 'perpetual', 'ETH', '1', '0.01', '0.01', 100, 'tiered');
    INSERT INTO funding_rates (instrument_id, at, rate, source) VALUES
      ('BTC-PERP', '2026-03-12T08:00:00.000Z', 1000000, 'feed 2026-03-12T07:00:00.000Z'),
      ('BTC-PERP', '2026-03-12T16:00:00.000Z', 2000000, 'import'),
      ('ETH-PERP', '2026-03-12T16:00:00.000Z', -500000, 'import');
  `);
  // The 16:00 rate was marked by the feed at 09:00, then overwritten by a file: only the journal still has that time.
  const tick = (at: string, stored: object[]) =>
    v15.transaction(() => appendJournal(v15, { at, actor: 'batch', command: 'funding.tick', payload: {}, result: { stored } })).immediate();
  tick('2026-03-12T07:00:01.000Z', [{ instrument: 'BTC-PERP', fundingTime: '2026-03-12T08:00:00.000Z', rate: '0.0001', time: '2026-03-12T07:00:00.000Z' }]);
  tick('2026-03-12T09:00:01.000Z', [{ instrument: 'BTC-PERP', fundingTime: '2026-03-12T16:00:00.000Z', rate: '0.0003', time: '2026-03-12T09:00:00.000Z' }]);
  const rates = v15.prepare('SELECT instrument_id, at, rate, source FROM funding_rates ORDER BY instrument_id, at').safeIntegers(false).raw().all();
  v15.close();
  const db = openLedger(file);
  try {
    assert.equal(userVersion(db), LATEST_VERSION);
    assert.deepEqual(db.prepare('SELECT instrument_id, at, rate, source FROM funding_rates ORDER BY instrument_id, at').safeIntegers(false).raw().all(), rates);
    assert.deepEqual(db.prepare('SELECT instrument_id, observed_at FROM funding_feed_clock ORDER BY instrument_id').raw().all(), [['BTC-PERP', '2026-03-12T09:00:00.000Z']]);
    const setClock = db.prepare("INSERT INTO funding_feed_clock (instrument_id, observed_at) VALUES ('ETH-PERP', ?)");
    assert.equal(sqliteCode(() => setClock.run('2026-03-12 09:00')), 'SQLITE_CONSTRAINT_CHECK');
    assert.equal(sqliteCode(() => db.prepare("INSERT INTO funding_feed_clock VALUES ('NOPE', '2026-03-12T09:00:00.000Z')").run()), 'SQLITE_CONSTRAINT_FOREIGNKEY');
    assert.deepEqual(db.pragma('foreign_key_check'), []);
  } finally {
    db.close();
  }
});
