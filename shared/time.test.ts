import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstant, normaliseTime, INSTANT_PATTERN } from './time.ts';

test('a time carries Z or an explicit offset and means one instant wherever it is read', () => {
  const utc = Date.UTC(2026, 3, 11, 16, 0, 0);
  for (const s of ['2026-04-11T16:00:00Z', '2026-04-11T16:00Z', '2026-04-12T01:00:00+09:00', '2026-04-11T12:00:00.000-04:00', '2026-04-11T16:00:00-00:00']) {
    assert.equal(parseInstant(s), utc, s);
  }
  assert.equal(normaliseTime('2026-04-11T18:30:00.25+02:30'), '2026-04-11T16:00:00.250Z');
  assert.equal(normaliseTime('2024-02-29T00:00:00Z'), '2024-02-29T00:00:00.000Z');
  // Years below 100 are years, not 1900 + y (Date.UTC's reading).
  assert.equal(normaliseTime('0050-01-01T00:00:00Z'), '0050-01-01T00:00:00.000Z');
});

test('a time without a zone, in another shape, or that does not exist is refused, naming the field', () => {
  for (const s of [
    '2026-04-11T16:00:00', // no zone: the machine's zone would decide
    '2026-03-12 16:00',
    '2026-03-12 16:00:00Z',
    'April 11, 2026',
    'yesterday',
    '2026-04-11',
    '2026-04-11T16:00:00+0900',
    '2026-04-11T16:00:00+09',
    '2026-04-11t16:00:00z',
    '2026-04-11T16:00:00.1234Z',
    '2026-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-04-11T24:00:00Z',
    '2026-04-11T23:59:60Z',
    '2026-04-11T16:00:00+24:00',
    ' 2026-04-11T16:00:00Z',
  ]) {
    assert.equal(parseInstant(s), null, s);
    assert.throws(() => normaliseTime(s, 'asOf'), /field asOf: .*(ISO-8601 time with Z or an offset|not a real time)/, s);
  }
});

test('the published pattern is the parser\'s shape', () => {
  const re = new RegExp(INSTANT_PATTERN);
  for (const s of ['2026-04-11T16:00:00Z', '2026-04-12T01:00+09:00', '2026-04-11T16:00:00.5Z']) assert.ok(re.test(s) && parseInstant(s) !== null, s);
  for (const s of ['2026-04-11T16:00:00', '2026-04-11 16:00Z']) assert.ok(!re.test(s) && parseInstant(s) === null, s);
});
