// The one formatter for numbers and times (shared/format.ts, issue 21 item 6), by examples a desk would check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { roundDecimal, formatMoney, formatCompact, formatExact, moneyRounds, formatTime, formatUtc } from '../shared/format.ts';

test('money to the cent, half-even, with separators and a minus', () => {
  assert.equal(formatMoney('15471765754.691847'), '15,471,765,754.69');
  assert.equal(formatMoney('1109289.6628'), '1,109,289.66');
  assert.equal(formatMoney('3052.388117'), '3,052.39');
  assert.equal(formatMoney('0.125'), '0.12');
  assert.equal(formatMoney('0.135'), '0.14');
  assert.equal(formatMoney('0.1251'), '0.13');
  assert.equal(formatMoney('-46204.699206'), '-46,204.70');
  assert.equal(formatMoney('-0.001'), '0.00');
  assert.equal(formatMoney('757407.87'), '757,407.87');
  assert.equal(formatMoney('99.995'), '100.00');
  assert.equal(formatMoney(null), '—');
  assert.equal(roundDecimal('999.999', 2), '1000.00');
  assert.ok(moneyRounds('1.001') && !moneyRounds('1.5'));
});

test('headline tiles: billions and millions, half-even, else to the cent', () => {
  assert.equal(formatCompact('15471765754.691847'), '15.47 bn');
  assert.equal(formatCompact('757407.87'), '757,407.87');
  assert.equal(formatCompact('1234567.89'), '1.23 m');
  assert.equal(formatCompact('-2125000000'), '-2.12 bn');
  assert.equal(formatCompact('999999999.999'), '1,000.00 m');
});

test('traces: every digit as given, trailing zeros kept', () => {
  assert.equal(formatExact('45010.00000000'), '45,010.00000000');
  assert.equal(formatExact('-0.9248317'), '-0.9248317');
});

test('times: UTC without the noise, and saying UTC where no heading does', () => {
  assert.equal(formatTime('2026-03-12T21:00:00.000Z'), '2026-03-12 21:00:00');
  assert.equal(formatUtc('2026-03-12T21:00:00.000Z'), '2026-03-12 21:00:00 UTC');
  assert.equal(formatUtc('2026-03-12T21:00+00:00'), '2026-03-12 21:00 UTC');
  // Not a UTC time this formatter knows: shown as given, never labelled UTC.
  assert.equal(formatUtc('2026-03-13T06:00:00+09:00'), '2026-03-13T06:00:00+09:00');
  assert.equal(formatUtc(null), '—');
});
