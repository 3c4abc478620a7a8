import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, CanonicalJsonError } from './canonicalJson.ts';

test('object keys are sorted by code unit, at every depth, with no whitespace', () => {
  assert.equal(canonicalJson({ b: 1, a: 2, c: { z: true, y: null } }), '{"a":2,"b":1,"c":{"y":null,"z":true}}');
  // Code-unit order: '10' before '9', upper case before lower case; an astral character (a surrogate pair,
  // 0xD83D...) sorts before U+FF5A by code unit although its code point is larger.
  assert.equal(canonicalJson({ b: 0, B: 0, '9': 0, '10': 0 }), '{"10":0,"9":0,"B":0,"b":0}');
  assert.equal(canonicalJson({ '\uff5a': 1, '\u{1f600}': 2 }), '{"\u{1f600}":2,"\uff5a":1}');
  // Insertion order does not matter.
  assert.equal(canonicalJson({ x: 1, y: 2 }), canonicalJson({ y: 2, x: 1 }));
});

test('bigint is a decimal string; exact beyond 2^53', () => {
  assert.equal(canonicalJson(9_223_372_036_854_775_807n), '"9223372036854775807"');
  assert.equal(canonicalJson({ amount: -5n, zero: 0n }), '{"amount":"-5","zero":"0"}');
});

test('nested arrays keep their order; objects inside arrays are canonical', () => {
  assert.equal(canonicalJson([3, [2, [1, []]], { b: [1n], a: 'x' }]), '[3,[2,[1,[]]],{"a":"x","b":["1"]}]');
  assert.equal(canonicalJson([]), '[]');
  assert.equal(canonicalJson({}), '{}');
});

test('undefined properties are omitted; undefined elsewhere is refused', () => {
  assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
  assert.throws(() => canonicalJson(undefined), CanonicalJsonError);
  assert.throws(() => canonicalJson([1, undefined]), /undefined array element at \$\[1\]/);
  // eslint-disable-next-line no-sparse-arrays -- a hole in an array is what this refuses
  assert.throws(() => canonicalJson([1, , 3]), CanonicalJsonError);
});

test('non-finite numbers, functions, symbols, Maps and cycles are refused with a path', () => {
  assert.throws(() => canonicalJson({ a: { b: [0, Number.NaN] } }), /non-finite number NaN at \$\.a\.b\[1\]/);
  assert.throws(() => canonicalJson(Number.POSITIVE_INFINITY), /non-finite/);
  assert.throws(() => canonicalJson({ 'odd key': -Infinity }), /at \$\["odd key"\]/);
  assert.throws(() => canonicalJson({ f: () => 1 }), /function/);
  assert.throws(() => canonicalJson({ s: Symbol('x') }), /symbol/);
  assert.throws(() => canonicalJson(new Map([[1, 2]])), /Map is not a plain object/);
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  assert.throws(() => canonicalJson(cyclic), /cyclic/);
});

test('strings are escaped as JSON; numbers as JSON.stringify writes them; toJSON is honoured', () => {
  assert.equal(canonicalJson('a"b\\c\n\u0001'), JSON.stringify('a"b\\c\n\u0001'));
  assert.equal(canonicalJson([-0, 1.5, 1e21, false]), '[0,1.5,1e+21,false]');
  assert.equal(canonicalJson({ at: new Date('2026-03-12T16:00:00Z') }), '{"at":"2026-03-12T16:00:00.000Z"}');
  assert.equal(canonicalJson({ d: { toJSON: () => '1.50' } }), '{"d":"1.50"}');
  assert.equal(canonicalJson(Object.assign(Object.create(null) as object, { b: 1, a: 2 })), '{"a":2,"b":1}');
});

test('a shared (non-cyclic) sub-object may appear twice', () => {
  const shared = { k: 1 };
  assert.equal(canonicalJson({ a: shared, b: [shared] }), '{"a":{"k":1},"b":[{"k":1}]}');
});

test('round trip: parsing canonical JSON and re-canonicalising gives the same text', () => {
  const text = canonicalJson({ z: [1, 'two', { y: null, x: 3n }], a: { c: 'ü', b: 0.1 } });
  assert.equal(canonicalJson(JSON.parse(text)), text);
});
