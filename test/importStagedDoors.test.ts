// The way around a staged import, at each door (issue 19): every kind is parsed and checked before the write lock and
// published under it, so the ledger may change between the two. A change to what the file was parsed against makes
// the publish parse it again, and a file the ledger no longer takes is refused naming row and column, nothing
// written; a change elsewhere leaves the stage standing. A bad row is refused at the stage, naming row and column,
// with nothing changed. Doors: the CLI's (dispatchAsync, as main/cli/main.ts calls it, and the riskdesk process) and
// the console's (Door.invokeAsync, behind both browser mode's server and Electron's IPC; browser mode's HTTP too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openLedger, type Ledger } from '../main/ledger/db.ts';
import { DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch, dispatchAsync } from '../main/commands/dispatch.ts';
import { Door, type Binding } from '../main/doors/invoke.ts';
import { startServer } from '../main/serve/server.ts';
import { deepVerify } from '../main/commands/integrity/deepVerify.ts';
import { hasStage } from '../main/ledger/importRepo.ts';
import { InputError } from '../shared/errors.ts';
import { demoLedgers } from './support/ledger.ts';
import { dumpLedger, riskdeskAs, tempDir, PASSWORDS } from './support/cli.ts';
import { operator, supervisor } from './support/actors.ts';

const demoLedger = demoLedgers('riskdesk-staged-doors-', 30);
let clock = Date.parse(DEMO_AS_OF);
const now = () => new Date((clock += 60_000));
const iso = () => new Date(clock + 3_600_000).toISOString();

const instrument = (tick: string, lot: string) => `id,kind,underlying,multiplier,lot,tick\nNEWX-PERP,perpetual,NEWX,1,${lot},${tick}\n`;
/** A mark on the tick 0.5 and not on the tick 1 (row 2: the first row is another instrument's). */
const prices = (db: Ledger) => {
  const [id, mark] = db.prepare("SELECT p.instrument_id, p.mark * i.tick FROM prices p JOIN instruments i ON i.id = p.instrument_id WHERE i.kind = 'perpetual' AND i.id <> 'NEWX-PERP' LIMIT 1").raw().get() as [string, number];
  return `instrument,at,mark,source\n${id},${iso()},${mark},staged\nNEWX-PERP,${iso()},100.5,staged\n`;
};
/** A quantity of whole lots of 0.001, not of 0.01 (row 1). */
const positions = (db: Ledger) => {
  const account = db.prepare("SELECT id FROM accounts WHERE mode = 'cross' ORDER BY id LIMIT 1").pluck().get() as string;
  return `account,instrument,quantity,entry_price\n${account},NEWX-PERP,0.005,100\n`;
};

/** What another process does meanwhile: a supervisor's instruments import on a connection of its own. */
function otherProcess(file: string, text: string): void {
  const db = openLedger(file);
  try {
    dispatch({ db, actor: supervisor, now }, 'import.csv', { kind: 'instruments', file: 'newx.csv', text });
  } finally {
    db.close();
  }
}

function newLedger(): Ledger {
  const db = demoLedger();
  dispatch({ db, actor: supervisor, now }, 'import.csv', { kind: 'instruments', file: 'newx.csv', text: instrument('0.5', '0.001') });
  return db;
}

const newxRows = (db: Ledger) => Number(db.prepare("SELECT (SELECT count(*) FROM prices WHERE instrument_id = 'NEWX-PERP') + (SELECT count(*) FROM positions WHERE instrument_id = 'NEWX-PERP')").pluck().get());
const imports = (db: Ledger) => Number(db.prepare("SELECT count(*) FROM journal WHERE command = 'import.csv'").pluck().get());

/** A refusal naming the row and column a test expects. */
function refusedAt(e: unknown, row: number, column: string, reason: RegExp): boolean {
  const err = e as InputError;
  return err instanceof InputError && err.where.row === row && err.where.column === column && reason.test(err.message);
}

for (const kind of ['prices', 'positions'] as const) {
  test(`CLI door (dispatchAsync): a ${kind} file whose instrument changed between stage and publish is parsed again and refused, nothing written`, async () => {
    const db = newLedger();
    const text = kind === 'prices' ? prices(db) : positions(db);
    const before = imports(db);
    let between = false;
    await assert.rejects(
      dispatchAsync({ db, actor: operator, now }, 'import.csv', { kind, file: `${kind}.csv`, text }, async () => {
        between = true;
        // The tick (for marks) and the lot (for quantities) the file was checked against are changed by another process.
        otherProcess(db.name, instrument('1', '0.01'));
      }),
      (e: unknown) => refusedAt(e, kind === 'prices' ? 2 : 1, kind === 'prices' ? 'mark' : 'quantity', kind === 'prices' ? /tick 1/ : /lot/),
    );
    assert.ok(between, 'the file was staged, then the ledger changed');
    assert.equal(newxRows(db), 0);
    assert.equal(imports(db), before + 1, "only the other process's import is journalled");
    db.close();
  });
}

test('CLI door (dispatchAsync): a change elsewhere between stage and publish leaves the stage standing; the journal replays', async () => {
  const db = newLedger();
  const text = prices(db);
  const r = await dispatchAsync({ db, actor: operator, now }, 'import.csv', { kind: 'prices', file: 'p.csv', text }, async () => {
    // Another process imports positions: a change, but not to what a prices file is parsed against.
    const other = openLedger(db.name);
    dispatch({ db: other, actor: operator, now }, 'import.csv', { kind: 'positions', file: 'q.csv', text: positions(db) });
    other.close();
  });
  assert.equal(r.rows, 2);
  assert.equal(newxRows(db), 2, 'the staged mark and the other process position');
  assert.equal(deepVerify(db).outcome, 'verified');
  db.close();
});

test('CLI door (the riskdesk process): a bad row is refused naming file, row and column, and nothing changes', async (t) => {
  const db = newLedger();
  const file = db.name;
  const account = db.prepare("SELECT id FROM accounts WHERE mode = 'cross' ORDER BY id LIMIT 1").pluck().get() as string;
  db.close();
  const csv = path.join(tempDir(t), 'bad.csv');
  for (const [kind, text, row, column] of [
    ['positions', `account,instrument,quantity,entry_price\n${account},NEWX-PERP,0.005,100\n${account},NOPE,1,100\n`, 2, 'instrument'],
    ['collateral', `account,asset,quantity\n${account},USD,5\n${account},NOPE,1\n`, 2, 'asset'],
    ['prices', `instrument,at,mark\nNEWX-PERP,${iso()},100.25\n`, 1, 'mark'],
  ] as const) {
    fs.writeFileSync(csv, text);
    const before = dumpLedger(file);
    const r = await riskdeskAs('operator', ['import', '--db', file, kind, csv]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`row ${row}.*column ${column}|column ${column}.*row ${row}`), r.stderr);
    assert.deepEqual(dumpLedger(file), before, `${kind}: nothing changed`);
  }
});

const window: Binding = { kind: 'window', key: 'w1' };

async function consoleDoor(db: Ledger): Promise<Door> {
  const door = new Door({ db, now, log: () => {} });
  const login = await door.invokeAsync(window, 'session.login', { name: 'operator', password: 'operator-demo' });
  assert.equal(login.result.ok, true);
  return door;
}

for (const kind of ['prices', 'positions'] as const) {
  test(`console door: a ${kind} file whose instrument changed between stage and publish is parsed again and refused, nothing written`, async () => {
    const db = newLedger();
    const door = await consoleDoor(db);
    const text = kind === 'prices' ? prices(db) : positions(db);
    const before = imports(db);
    const pending = door.invokeAsync(window, 'import.csv', { kind, file: `${kind}.csv`, text });
    // The door has staged the file (a prices file in its connection's temp stage) and answers others before publishing.
    if (kind === 'prices') assert.equal(hasStage(db), true);
    otherProcess(db.name, instrument('1', '0.01'));
    const r = (await pending).result;
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.error.code, 'bad_input');
      assert.match(r.error.message, kind === 'prices' ? /row 2.*column mark.*tick 1/ : /row 1.*column quantity.*lot/);
    }
    assert.equal(newxRows(db), 0);
    assert.equal(imports(db), before + 1);
    door.close();
    db.close();
  });
}

test('console door: a bad row is refused naming row and column, nothing changes; a good file then lands and replays', async () => {
  const db = newLedger();
  const door = await consoleDoor(db);
  const account = db.prepare("SELECT id FROM accounts WHERE mode = 'cross' ORDER BY id LIMIT 1").pluck().get() as string;
  const before = dumpLedger(db.name);
  const bad = (await door.invokeAsync(window, 'import.csv', { kind: 'collateral', file: 'c.csv', text: `account,asset,quantity\n${account},USD,12\n${account},NOPE,1\n` })).result;
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error.message, /c\.csv.*row 2.*column asset/);
  assert.deepEqual(dumpLedger(db.name), before);
  const good = (await door.invokeAsync(window, 'import.csv', { kind: 'prices', file: 'p.csv', text: prices(db) })).result;
  assert.equal(good.ok, true);
  assert.equal(deepVerify(db).outcome, 'verified');
  door.close();
  db.close();
});

test('browser mode: over HTTP, a bad row is refused naming file, row and column, and nothing changes', async (t) => {
  const db = newLedger();
  const rendererDir = path.join(tempDir(t), 'renderer');
  fs.mkdirSync(rendererDir, { recursive: true });
  fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>test console</title>');
  const server = await startServer({ db, rendererDir, port: 0, log: () => {} });
  try {
    const post = async (channel: string, payload: unknown, session?: string) => {
      const r = await fetch(`http://127.0.0.1:${server.port}/api/invoke/${channel}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${server.token}`, ...(session ? { 'X-Riskdesk-Session': session } : {}) },
        body: JSON.stringify(payload),
      });
      return { status: r.status, session: r.headers.get('x-riskdesk-session'), body: (await r.json()) as { value?: unknown; error?: { code: string; message: string } } };
    };
    const login = await post('session.login', { name: 'operator', password: PASSWORDS.operator });
    assert.equal(login.status, 200);
    const [a, b] = db.prepare("SELECT id FROM accounts WHERE mode = 'cross' ORDER BY id LIMIT 2").pluck().all() as string[];
    const before = dumpLedger(db.name);
    const bad = await post('import.csv', { kind: 'positions', file: 'p.csv', text: `account,instrument,quantity,entry_price\n${a},NEWX-PERP,0.005,100\n${b},NEWX-PERP,0.0051,100\n` }, login.session!);
    assert.equal(bad.body.error?.code, 'bad_input', JSON.stringify(bad.body));
    assert.match(bad.body.error!.message, /p\.csv.*row 2.*column quantity/);
    assert.deepEqual(dumpLedger(db.name), before);
  } finally {
    await server.close();
    db.close();
  }
});
