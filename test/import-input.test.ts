// The CSV import door's input rules (issue 13), end to end: the real `riskdesk import` as a process on a real ledger.
// A bad file exits 2 naming file, row and column, and leaves every table as it was.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { copyLedger, dumpLedger, riskdesk, riskdeskAs, tempDir, withLedger } from './support/cli.ts';

const T = { timeout: 90_000 };
let template: string;
let templates: string;

before(async () => {
  templates = tempDir(undefined, 'riskdesk-import-input-');
  template = path.join(templates, 'demo.db');
  const r = await riskdesk(['init', '--db', template, '--demo', '--accounts', '20', '--seed', '3', '--now', '2026-03-12T20:00:00Z']);
  assert.equal(r.code, 0, r.describe());
}, T);
after(() => fs.rmSync(templates, { recursive: true, force: true }));

/** Imports `text` as a file of `kind` into a copy of the demo ledger, as a supervisor (reference data needs one). */
async function importInto(t: { after(fn: () => void): void }, kind: string, text: string) {
  const dir = tempDir(t);
  const db = copyLedger(template, path.join(dir, 'ledger.db'));
  const file = path.join(dir, `${kind}.csv`);
  fs.writeFileSync(file, text);
  const before = dumpLedger(db);
  const r = await riskdeskAs('supervisor', ['import', '--db', db, kind, file, '--json', '--now', '2026-03-12T20:30:00Z']);
  return { r, db, file, before };
}

const INSTRUMENTS = 'id,kind,underlying,multiplier,lot,tick,margin,expiry,option_right,strike,underlying_instrument\n';

const BAD: [kind: string, text: string, where: RegExp][] = [
  // Issue 17 lifted item 8's refusal of portfolio margin; a portfolio option the cycle could not price still is.
  ['instruments', `${INSTRUMENTS}BTC-X-C,option,BTC,1,0.1,0.5,portfolio,2026-06-26T08:00:00Z,call,90000,\n`, /row 1, column underlying_instrument: a portfolio-margined option needs its underlying instrument/],
  ['instruments', `${INSTRUMENTS}BTC-X-C,option,BTC,1,0.1,0.5,tiered,2026-06-26T08:00:00Z,call,0,\n`, /row 1, column strike: 0 must be greater than 0/],
  ['instruments', `${INSTRUMENTS}BTC-X-F,future,BTC,1,0.1,0.5,tiered,2026-06-26 08:00,,,\n`, /row 1, column expiry: .*ISO-8601 time with Z or an offset/],
  ['instruments', `${INSTRUMENTS}BTC-X-F,future,BTC,1,0.1,0.5,tiered,2026-06-26T08:00:00Z,,,\nBTC-X-F,future,BTC,1,0.1,0.5,tiered,2026-06-26T08:00:00Z,,,\n`, /row 2, column id: duplicate instrument id BTC-X-F \(first given at row 1\)/],
  ['tiers', 'instrument,floor,mmr,imr\nBTC-PERP,0,0.05,0.1\nBTC-PERP,0.0,0.06,0.12\n', /row 2, column floor: duplicate tier for instrument BTC-PERP at floor 0 \(first given at row 1\)/],
  ['tiers', 'instrument,floor,mmr,imr\nBTC-PERP,0,0.05,1.5\n', /row 1, column imr: 1\.5 is above 1/],
  ['haircuts', 'asset,floor,haircut\nBTC,0,1.5\n', /row 1, column haircut: 1\.5 is not below 1/],
  ['asset-prices', 'asset,at,price\nUSD,2026-03-12T20:00:00Z,0\n', /row 1, column price: 0 must be greater than 0/],
  ['prices', 'instrument,at,mark\nBTC-PERP,2026-03-12T20:00:00,60000\n', /row 1, column at: .*ISO-8601 time with Z or an offset/],
  ['prices', 'instrument,at,mark\nBTC-PERP,April 11 2026,60000\n', /row 1, column at/],
  // One instant written two ways is one key.
  ['prices', 'instrument,at,mark\nBTC-PERP,2026-03-12T20:00:00Z,60000\nBTC-PERP,2026-03-13T05:00:00+09:00,60001\n', /row 2, column at: duplicate price for instrument BTC-PERP at 2026-03-12T20:00:00Z \(first given at row 1\)/],
];

for (const [kind, text, where] of BAD) {
  test(`import ${kind}: ${where.source.slice(0, 60)} -> exit 2, nothing written`, T, async (t) => {
    const { r, db, file, before } = await importInto(t, kind, text);
    assert.equal(r.code, 2, r.describe());
    assert.ok(r.stderr.includes(file), `names the file: ${r.stderr}`);
    assert.match(r.stderr, where);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.equal(r.stdout, '');
    assert.deepEqual(dumpLedger(db), before);
  });
}

test('a time with an offset is stored as the same instant in UTC', T, async (t) => {
  const { r, db } = await importInto(t, 'prices', 'instrument,at,mark\nBTC-PERP,2026-03-13T05:15:00+09:00,60000\n');
  assert.equal(r.code, 0, r.describe());
  const rows = withLedger(db, (d) => d.prepare("SELECT at, mark FROM prices WHERE instrument_id = 'BTC-PERP' AND at LIKE '2026-03-12T20:15%'").raw().all());
  assert.deepEqual(rows, [['2026-03-12T20:15:00.000Z', 600000n]]); // 60000 in ticks of 0.1
});
