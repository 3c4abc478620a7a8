// `riskdesk report overrides|eod` end to end (issue 21 items 2 and 7): the real CLI in this process on a real demo
// ledger. A waiver with a typed formula for its reason is listed with its automatic alternative; the CSV opens it as
// text; the end-of-day report prints to a PDF that pdftoppm renders and whose text lists the day's override.
import { OPTIONS_DESK_ACCOUNTS } from '../main/demo/optionsDesk.ts';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { riskdesk, riskdeskAs, tempDir, type CliResult } from './support/cli.ts';

const T = { timeout: 180_000 };
const AS_OF = '2026-03-12T21:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(AS_OF) + minutes * 60_000).toISOString();
const ok = (r: CliResult): CliResult => {
  assert.equal(r.code, 0, r.describe());
  return r;
};

test('report overrides and report eod: the waiver beside its automatic alternative, as text, JSON, CSV, HTML and PDF', T, async (t) => {
  const dir = tempDir(t, 'riskdesk-reports-');
  const db = path.join(dir, 'desk.db');
  ok(await riskdesk(['init', '--db', db, '--demo', '--accounts', '200', '--seed', '7', '--now', at(-60)]));
  ok(await riskdeskAs('operator', ['cycle', '--db', db, '--at', AS_OF, '--now', at(1)]));
  const calls = ok(await riskdesk(['calls', '--db', db, '--json'])).json<{ id: number; account: string; outstanding: string; deadline: string; status: string }[]>();
  // Under the demo's four-eyes waiver amount, one supervisor waives it.
  const small = calls.filter((c) => c.status === 'open' || c.status === 'overdue').sort((a, b) => Number(a.outstanding) - Number(b.outstanding))[0]!;
  ok(await riskdeskAs('supervisor', ['waive', '--db', db, '--id', String(small.id), '--reason', '=HYPERLINK("x") fee dispute', '--now', at(2)]));

  const day = AS_OF.slice(0, 10);
  const text = ok(await riskdesk(['report', 'overrides', '--db', db, '--from', `${day}T00:00:00Z`, '--to', at(600), '--now', at(3)])).stdout;
  assert.match(text, /1 override\(s\)/);
  assert.match(text, new RegExp(`call ${small.id} stands`));
  const json = ok(await riskdesk(['report', 'overrides', '--db', db, '--from', `${day}T00:00:00Z`, '--to', at(600), '--json', '--now', at(3)])).json();
  assert.equal(json.rows.length, 1);
  const row = json.rows[0];
  assert.deepEqual([row.kind, row.actor, row.subject, row.why], ['waiver', 'supervisor', `call:${small.id}`, '=HYPERLINK("x") fee dispute']);
  assert.equal(row.automatic, `call ${small.id} stands: ${row.facts.outstanding} due by ${small.deadline}, escalated to liquidation if unmet`);
  assert.deepEqual([row.actualCost, row.automaticCost, row.difference], ['0', '0', '0']);
  const csv = ok(await riskdesk(['report', 'overrides', '--db', db, '--from', `${day}T00:00:00Z`, '--to', at(600), '--csv', '--now', at(3)])).stdout.split('\r\n');
  assert.match(csv[0]!, /^seq,at,actor,requested by,command,kind,subject/);
  assert.ok(csv[1]!.includes(`,"'=HYPERLINK(""x"") fee dispute",`), `the reason opens as text: ${csv[1]}`);

  const eod = ok(await riskdesk(['report', 'eod', '--db', db, '--day', day, '--json', '--now', at(3)])).json();
  assert.equal(eod.overrides.length, 1);
  assert.equal(eod.statuses.reduce((s: number, x: { accounts: number }) => s + x.accounts, 0), 200 + OPTIONS_DESK_ACCOUNTS);
  assert.equal(eod.calls.waived, 1);
  assert.ok(eod.topExposures.length === 10 && eod.cover !== null);
  const eodCsv = ok(await riskdesk(['report', 'eod', '--db', db, '--day', day, '--csv', '--now', at(3)])).stdout;
  assert.ok(eodCsv.startsWith('section,item,field,value\r\n'));
  assert.ok(eodCsv.includes(`overrides,${row.seq},why,"'=HYPERLINK(""x"") fee dispute"`));

  const pdf = path.join(dir, 'eod.pdf');
  ok(await riskdesk(['report', 'eod', '--db', db, '--day', day, '--export', pdf, '--now', at(3)]));
  const png = spawnSync('pdftoppm', ['-png', '-r', '30', pdf, path.join(dir, 'page')], { encoding: 'utf8' });
  assert.equal(png.status, 0, png.stderr);
  assert.ok(fs.readdirSync(dir).some((f) => /^page-\d+\.png$/.test(f)));
  const pdfText = spawnSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
  assert.ok(pdfText.includes(`call ${small.id} stands`), 'the PDF lists the day\'s override with its alternative');
  assert.ok(pdfText.includes('Cover-2'));
  // Read by a person: amounts to the cent with separators, as the console shows them, and times saying UTC.
  const cents = (v: string): string => {
    const [int, frac = ''] = v.split('.');
    assert.ok(frac.length <= 2, `${v} is issued in cents`);
    return `${int!.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac.padEnd(2, '0')}`;
  };
  assert.ok(Number(eod.calls.issuedAmount) >= 1000, 'calls issued for more than a thousand');
  assert.ok(pdfText.includes(cents(eod.calls.issuedAmount)), `the issued amount ${cents(eod.calls.issuedAmount)} on the page`);
  assert.ok(!pdfText.includes(eod.asOf), 'no raw ISO time on the page');
  assert.ok(pdfText.includes(`made ${eod.asOf.slice(0, 10)} ${eod.asOf.slice(11, 19)} UTC`));
  const again = await riskdesk(['report', 'eod', '--db', db, '--day', day, '--export', pdf, '--now', at(3)]);
  assert.equal(again.code, 2, 'export never overwrites');
  const bad = await riskdesk(['report', 'eod', '--db', db, '--day', '2026-02-30', '--now', at(3)]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /2026-02-30 is not a day of the calendar/);
});
