// Files in the wrong encoding and text that lies (issue 19), through the real CLI on real files: a Latin-1 or UTF-16
// CSV is refused naming its encoding and the command that converts it (never imported with its names turned to
// U+FFFD, never "unknown column"); a bad byte names its row; NUL, ANSI escapes and bidi overrides are refused in
// cells, reasons and notes, and escaped wherever they would reach a terminal.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger } from '../main/ledger/db.ts';
import { initLedger } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { table } from '../main/text/table.ts';
import { escapeUnsafe, escapeUnsafeJson, unsafeTextProblem } from '../shared/safeText.ts';
import { firstInvalidUtf8 } from '../main/csv/encoding.ts';
import { riskdeskAs, riskdeskAsProcess, withLedger, count, sha256File } from './support/cli.ts';
import { supervisor } from './support/actors.ts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-enc-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'desk.db');

before(() => {
  const db = openLedger(file, { create: true });
  initLedger(db, { demo: true, accounts: 30, seed: 4 }, new Date(Date.now() - 3_600_000));
  db.close();
});

const HEADER = 'id,name,status,default_fund\n';
const members = () => withLedger(file, (d) => count(d, 'members'));

function write(name: string, bytes: Buffer | string): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

async function refused(csv: string, pattern: RegExp): Promise<string> {
  const before = members();
  const hash = sha256File(file);
  const r = await riskdeskAs('supervisor', ['import', '--db', file, 'members', csv]);
  assert.equal(r.code, 2, r.describe());
  assert.match(r.stderr, pattern, r.describe());
  assert.doesNotMatch(r.stderr, /[\u001b\u202e\u0000]/u, 'the refusal itself printed a raw control character');
  assert.equal(members(), before, 'nothing imported');
  assert.equal(sha256File(file), hash, 'the ledger file was not changed');
  return r.stderr;
}

test('a Latin-1 CSV is refused as a process: the row, Latin-1 / Windows-1252 and the iconv command are named', () => {
  const csv = write('latin1.csv', Buffer.from(`${HEADER}LAT1,Banque de Lyon,active,100\nLAT2,Société Générale,active,100\n`, 'latin1'));
  const before = members();
  const r = riskdeskAsProcess('supervisor', ['import', '--db', file, 'members', csv]);
  assert.equal(r.code, 2, r.describe());
  assert.match(r.stderr, /^riskdesk: [^\n]*latin1\.csv, row 2: byte 0xE9 at offset \d+ is not UTF-8; the file looks like Latin-1 or Windows-1252, not UTF-8: convert it to UTF-8 first, e\.g\. iconv -f WINDOWS-1252 -t UTF-8 '[^']*latin1\.csv' > '[^']*latin1\.utf8\.csv'\n$/);
  assert.equal(members(), before);
});

test('UTF-16, with or without its byte-order mark, little- or big-endian, is named as UTF-16 (not "unknown column")', async () => {
  const text = `${HEADER}U16,Utf Sixteen,active,100\n`;
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.from(le).swap16();
  await refused(write('u16le-bom.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), le])), /UTF-16 \(little-endian, it starts with its byte-order mark\).*iconv -f UTF-16 -t UTF-8/);
  await refused(write('u16be-bom.csv', Buffer.concat([Buffer.from([0xfe, 0xff]), be])), /UTF-16 \(big-endian.*iconv -f UTF-16 -t UTF-8/);
  await refused(write('u16le.csv', le), /looks like UTF-16 \(little-endian, a NUL byte beside each character\).*iconv -f UTF-16LE/);
  await refused(write('u16be.csv', be), /looks like UTF-16 \(big-endian.*iconv -f UTF-16BE/);
});

test('a broken UTF-8 sequence names its row; overlong forms and surrogates are not UTF-8 either', async () => {
  const rows = Buffer.concat([Buffer.from(`${HEADER}OK1,Fine,active,1\nOK2,Fine,active,1\nBAD,Tr`), Buffer.from([0xc3]), Buffer.from('uncated,active,1\n')]);
  await refused(write('truncated.csv', rows), /truncated\.csv, row 3: byte 0xC3 at offset \d+ is not UTF-8/);
  assert.equal(firstInvalidUtf8(Buffer.from([0x41, 0xc0, 0xaf])), 1, 'overlong "/"');
  assert.equal(firstInvalidUtf8(Buffer.from([0xed, 0xa0, 0x80])), 0, 'a UTF-16 surrogate written as UTF-8');
  assert.equal(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80])), 0, 'past U+10FFFF');
  assert.equal(firstInvalidUtf8(Buffer.from('añ€😀', 'utf8')), -1);
});

test('UTF-8 with or without a BOM imports, its accented names exactly as written', async () => {
  const csv = write('utf8.csv', `\ufeff${HEADER}UTF8,Société Générale Ünïcode 株式会社,active,100\n`);
  const r = await riskdeskAs('supervisor', ['import', '--db', file, 'members', csv]);
  assert.equal(r.code, 0, r.describe());
  const name = withLedger(file, (d) => d.prepare("SELECT name FROM members WHERE id = 'UTF8'").pluck().get());
  assert.equal(name, 'Société Générale Ünïcode 株式会社');
});

test('NUL, an ANSI escape sequence and a bidi override in a name are refused naming row, column and character; the terminal never gets them raw', async () => {
  const cases: [string, RegExp][] = [
    ['Evil\u0000Corp', /row 1, column name: "Evil<U\+0000>Corp": character 5 is U\+0000 \(NUL\)/],
    ['\u001b[2J\u001b]0;pwned\u0007Corp', /row 1, column name: "<U\+001B>\[2J<U\+001B>\]0;pwned<U\+0007>Corp": character 1 is U\+001B \(ESC/],
    ['Good \u202eroC liveD', /row 1, column name: "Good <U\+202E>roC liveD": character 6 is U\+202E \(RIGHT-TO-LEFT OVERRIDE, a bidi control\)/],
    ['Lost \ufffd byte', /row 1: a byte of the file could not be read as UTF-8 \(it became U\+FFFD\)/],
  ];
  for (const [i, [name, pattern]] of cases.entries()) {
    await refused(write(`evil${i}.csv`, `${HEADER}EVIL${i},"${name}",active,1\n`), pattern);
  }
});

test('reasons and notes with controls or bidi characters are refused by the contract, naming the field', () => {
  const db = openLedger(file);
  try {
    const call = db.prepare("SELECT id FROM margin_calls WHERE status = 'open' LIMIT 1").pluck().get() as bigint | undefined;
    const ctx = { db, actor: supervisor, now: () => new Date() };
    for (const reason of ['fee \u001b[31mdispute', 'ok \u202egnp.exe', 'nul\u0000here']) {
      assert.throws(
        () => dispatch(ctx, 'calls.waive', { id: Number(call ?? 1), reason }),
        (e: Error) => /field reason: .*character \d+ is U\+(001B|202E|0000)/.test(e.message),
      );
    }
    // A line break in a reason is text, not a trick.
    assert.equal(unsafeTextProblem('first line\nsecond line', true), null);
    assert.match(unsafeTextProblem('a\tb') ?? '', /U\+0009/);
  } finally {
    db.close();
  }
});

test('text already in a ledger is escaped when printed: tables, JSON and error lines show <U+XXXX>, never the character', () => {
  let out = '';
  table({ write: (s: string) => (out += s) }, ['member', 'name'], [['M1', 'Evil\u001b[2JCorp \u202eTXT']]);
  assert.doesNotMatch(out, /[\u001b\u202e]/u);
  assert.match(out, /Evil<U\+001B>\[2JCorp <U\+202E>TXT/);
  const json = escapeUnsafeJson(JSON.stringify({ name: 'a\u202eb\u0085c' }));
  assert.equal(json, '{"name":"a\\u202eb\\u0085c"}');
  assert.deepEqual(JSON.parse(json), { name: 'a\u202eb\u0085c' });
  assert.equal(escapeUnsafe('plain é 株'), 'plain é 株');
});
