import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NdjsonMarks, parseMarkLine, MAX_LINE_BYTES, type LineOutcome } from './ndjson.ts';

function feed(chunks: (string | Buffer)[]): LineOutcome[] {
  const out: LineOutcome[] = [];
  const p = new NdjsonMarks((o) => out.push(o));
  for (const c of chunks) p.write(c);
  p.end();
  return out;
}

test('good lines become marks with UTC times; blank lines are skipped but counted', () => {
  const out = feed(['{"instrument":"BTC-PERP","price":"64250.5","time":"2026-03-12T16:00:00+01:00"}\n', '\n', '{"instrument":"ETH-PERP","price":"3100","time":"2026-03-12T15:00:01Z"}']);
  assert.deepEqual(out, [
    { ok: true, line: 1, mark: { instrument: 'BTC-PERP', price: '64250.5', time: '2026-03-12T15:00:00.000Z' } },
    { ok: true, line: 3, mark: { instrument: 'ETH-PERP', price: '3100', time: '2026-03-12T15:00:01.000Z' } },
  ]);
});

test('each bad line is refused with its number and what is wrong, and the lines after it still count', () => {
  const lines = [
    'not json',
    '[1,2]',
    '{"price":"1","time":"2026-03-12T15:00:00Z"}',
    '{"instrument":"BTC-PERP","price":64250.5,"time":"2026-03-12T15:00:00Z"}',
    '{"instrument":"BTC-PERP","price":"-3","time":"2026-03-12T15:00:00Z"}',
    '{"instrument":"BTC-PERP","price":"0.00","time":"2026-03-12T15:00:00Z"}',
    '{"instrument":"BTC-PERP","price":"1","time":"2026-03-12 15:00"}',
    '{"instrument":"BTC-PERP","price":"1","time":"2026-02-30T15:00:00Z"}',
    '{"instrument":"BTC PERP","price":"1","time":"2026-03-12T15:00:00Z"}',
    '{"instrument":"BTC-PERP","price":"1","time":"2026-03-12T15:00:00Z","size":3}',
    '{"instrument":"BTC-PERP","price":"2","time":"2026-03-12T15:00:00Z"}',
  ];
  const out = feed([lines.join('\n') + '\n']);
  const errors = out.filter((o) => !o.ok).map((o) => [o.line, (o as { error: string }).error]);
  assert.equal(errors.length, 10);
  assert.deepEqual(errors.map((e) => e[0]), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.match(String(errors[0]![1]), /not valid JSON/);
  assert.match(String(errors[1]![1]), /expected a JSON object/);
  assert.match(String(errors[2]![1]), /instrument is missing/);
  assert.match(String(errors[3]![1]), /price: expected a decimal string.*not the JSON number 64250.5/);
  assert.match(String(errors[4]![1]), /price: expected a decimal string/);
  assert.match(String(errors[5]![1]), /price: must be greater than zero/);
  assert.match(String(errors[6]![1]), /time: .*ISO-8601/);
  assert.match(String(errors[7]![1]), /time: .*not a real time/);
  assert.match(String(errors[8]![1]), /instrument: expected an id/);
  assert.match(String(errors[9]![1]), /unknown field "size"/);
  assert.deepEqual(out.at(-1), { ok: true, line: 11, mark: { instrument: 'BTC-PERP', price: '2', time: '2026-03-12T15:00:00.000Z' } });
});

test('a line cut across chunks (inside a UTF-8 character too) is put together; CRLF is taken', () => {
  const line = Buffer.from('{"instrument":"BTC-PERP","price":"1.5","time":"2026-03-12T15:00:00Z"}\r\n{"instrument":"é","price":"1","time":"2026-03-12T15:00:00Z"}\n');
  const cut = line.indexOf(0xc3) + 1; // between the two bytes of é
  const out = feed([line.subarray(0, 10), line.subarray(10, cut), line.subarray(cut)]);
  assert.equal(out.length, 2);
  assert.deepEqual(out[0], { ok: true, line: 1, mark: { instrument: 'BTC-PERP', price: '1.5', time: '2026-03-12T15:00:00.000Z' } });
  assert.equal(out[1]!.ok, false);
  assert.match((out[1] as { error: string }).error, /instrument/);
});

test('a line over the bound is refused without holding it, and the next line is read', () => {
  const big = 'x'.repeat(MAX_LINE_BYTES + 10);
  const out = feed([big.slice(0, 40_000), big.slice(40_000), '\n{"instrument":"A","price":"1","time":"2026-03-12T15:00:00Z"}\n']);
  assert.equal(out.length, 2);
  assert.deepEqual([out[0]!.ok, out[0]!.line], [false, 1]);
  assert.match((out[0] as { error: string }).error, /longer than/);
  assert.deepEqual([out[1]!.ok, out[1]!.line], [true, 2]);
});

test('parseMarkLine: a blank line is nothing', () => {
  assert.equal(parseMarkLine('   \r', 4), null);
});

test('a line naming a fundingRate is a funding-rate mark: times normalised, each bad field named', () => {
  const out = feed([
    '{"instrument":"BTC-PERP","fundingRate":"-0.0001","fundingTime":"2026-03-13T01:00:00+01:00","time":"2026-03-12T21:00:00Z"}\n',
    '{"instrument":"BTC-PERP","fundingRate":"0.0001","time":"2026-03-12T21:00:00Z"}\n',
    '{"instrument":"BTC-PERP","fundingRate":"1e-4","fundingTime":"2026-03-13T00:00:00Z","time":"2026-03-12T21:00:00Z"}\n',
    '{"instrument":"BTC-PERP","fundingRate":"0.0001","fundingTime":"2026-03-13T00:00:00Z","time":"2026-03-12T21:00:00Z","price":"1"}\n',
  ]);
  assert.deepEqual(out[0], { ok: true, line: 1, rate: { instrument: 'BTC-PERP', fundingRate: '-0.0001', fundingTime: '2026-03-13T00:00:00.000Z', time: '2026-03-12T21:00:00.000Z' } });
  assert.deepEqual(out.slice(1).map((o) => (o.ok ? null : [o.line, o.error.split(':')[0]])), [
    [2, 'fundingTime is missing'],
    [3, 'fundingRate'],
    [4, 'unknown field "price" in a funding-rate mark {"instrument","fundingRate","fundingTime","time"}'],
  ]);
});
