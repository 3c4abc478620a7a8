// The one CSV writer (shared/csv.ts): a cell a spreadsheet would run opens as text, whatever starts it; quoting and
// line ends as RFC 4180 has them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvCell, csvText } from '../shared/csv.ts';

test('a cell starting with = + - @, a tab or a carriage return gets a leading quote mark; others are left as they are', () => {
  for (const lead of ['=', '+', '-', '@', '\t', '\r']) {
    const v = `${lead}HYPERLINK("http://x")`;
    const out = csvCell(v);
    // Quoted where it holds a quote or a line break; either way the text begins with ' after any opening quote.
    assert.ok(out.replace(/^"/, '').startsWith(`'${lead}`), JSON.stringify([v, out]));
  }
  assert.equal(csvCell('plain text'), 'plain text');
  assert.equal(csvCell('12.50'), '12.50');
  assert.equal(csvCell('-12.50'), "'-12.50");
  assert.equal(csvCell(null), '');
  assert.equal(csvCell(undefined), '');
  assert.equal(csvCell(7n), '7');
  assert.equal(csvCell(' padded'), '" padded"');
  assert.equal(csvCell('a\nb'), '"a\nb"');
});

test('a file is a header and rows, every line ending in CRLF, every cell through the same escaping', () => {
  assert.equal(csvText(['a', 'b'], [['=1', 'x,y'], [null, 2]]), `a,b\r\n'=1,"x,y"\r\n,2\r\n`);
  assert.equal(csvText(['@h'], []), `'@h\r\n`);
});
