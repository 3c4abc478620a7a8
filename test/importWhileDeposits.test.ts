// A long CLI import no longer shuts the desk out (issue 19, "long imports"): while a real CLI process imports a large
// prices file, a browser-mode console in this process records deposits, and every one goes through: the import
// parses, checks and stages its rows without the ledger's write lock, then publishes them in chunks (each a short
// transaction, hidden until the last), and deposits go in between the chunks. The import still lands whole (all its
// rows, one journal entry), and the deposits are journalled around it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openLedger } from '../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { Door } from '../main/doors/invoke.ts';
import { startRiskdesk, tempDir, journalOf, PASSWORDS } from './support/cli.ts';
import { repeatedMarks } from './support/prices.ts';
import { operator } from './support/actors.ts';
import type { MarginCall } from '../shared/contract.ts';

const ROWS = 150_000;

test(`deposits from a browser-mode console go through while a CLI process imports ${ROWS} prices`, { timeout: 300_000 }, async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'desk.db');
  const db = openLedger(file, { create: true });
  initLedger(db, { demo: true, accounts: 200, seed: 7 }, new Date(DEMO_AS_OF));
  dispatch({ db, actor: operator, now: () => new Date(Date.parse(DEMO_AS_OF) + 60_000) }, 'cycle.run', {});
  const call = (dispatch({ db, actor: operator, now: () => new Date() }, 'calls.list', {}) as MarginCall[]).find((c) => c.status === 'open' || c.status === 'overdue')!;
  assert.ok(call, 'the cycle opened a call');
  const csv = path.join(dir, 'prices.csv');
  fs.writeFileSync(csv, repeatedMarks(db, ROWS, new Date(Date.parse(DEMO_AS_OF) + 120_000).toISOString()));
  const pricesBefore = Number(db.prepare('SELECT count(*) FROM prices').pluck().get());

  const door = new Door({ db, log: () => {}, resident: false });
  const login = await door.invokeAsync({ kind: 'browser', sid: null }, 'session.login', { name: 'operator', password: PASSWORDS.operator });
  assert.equal(login.result.ok, true, JSON.stringify(login.result));
  const sid = login.session!;

  const { done } = startRiskdesk(['import', '--db', file, 'prices', csv, '--json'], { env: {} });
  let finished = false;
  const importDone = done.then((r) => {
    finished = true;
    return r;
  });
  const deposits: { ms: number; during: boolean; midPublish: boolean }[] = [];
  const publishing = () => Number(db.prepare('SELECT count(*) FROM import_publishing').pluck().get()) > 0;
  while (!finished) {
    const started = performance.now();
    const before = publishing();
    const r = await door.invokeAsync({ kind: 'browser', sid }, 'calls.deposit', { id: call.id, amount: '1' });
    assert.equal(r.result.ok, true, `deposit ${deposits.length + 1}: ${JSON.stringify(r.result)}`);
    deposits.push({ ms: performance.now() - started, during: !finished, midPublish: before && publishing() });
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  const imported = await importDone;
  assert.equal(imported.code, 0, imported.describe());
  const during = deposits.filter((d) => d.during);
  const longest = Math.max(...deposits.map((d) => d.ms));
  const midPublish = deposits.filter((d) => d.midPublish);
  t.diagnostic(
    `${deposits.length} deposits (${during.length} while the import ran, ${midPublish.length} between its chunks), the longest took ${Math.round(longest)} ms; the import took ${Math.round(imported.ms)} ms`,
  );
  assert.ok(during.length >= 3, `deposits while the import ran: ${during.length}`);
  assert.ok(midPublish.length >= 1, 'a deposit went in while the import was publishing its chunks');

  // All or nothing still: every row, one entry; the deposits are entries of their own, before and after it.
  assert.equal(Number(db.prepare('SELECT count(*) FROM prices').pluck().get()), pricesBefore + ROWS);
  const entries = journalOf(file).filter((e) => e.command === 'import.csv' || e.command === 'calls.deposit');
  assert.equal(entries.filter((e) => e.command === 'import.csv').length, 1);
  assert.equal(entries.filter((e) => e.command === 'calls.deposit').length, deposits.length);
  db.close();
});
