import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Batcher } from './batcher.ts';
import { FakeTimers } from './timers.ts';

test('a batch goes when full, or 50 ms after its first item, never empty', () => {
  const timers = new FakeTimers();
  const sent: { at: number; items: number[] }[] = [];
  const b = new Batcher<number>((items) => sent.push({ at: timers.now(), items }), { timers, maxMarks: 3, maxWaitMs: 50 });
  b.push(1);
  timers.advance(30);
  b.push(2);
  assert.equal(sent.length, 0);
  timers.advance(20);
  assert.deepEqual(sent, [{ at: 50, items: [1, 2] }], '50 ms after the first, not after the last');
  b.push(3);
  b.push(4);
  b.push(5);
  assert.deepEqual(sent[1], { at: 50, items: [3, 4, 5] }, 'full: at once');
  timers.advance(1000);
  assert.equal(sent.length, 2, 'no empty batch, no timer left');
  assert.equal(timers.pending, 0);
});

test('by default a batch goes at the next turn with everything pushed before it, a lone mark waiting for nothing', () => {
  const timers = new FakeTimers();
  const sent: { at: number; items: number[] }[] = [];
  const b = new Batcher<number>((items) => sent.push({ at: timers.now(), items }), { timers, maxMarks: 3 });
  b.push(1);
  assert.equal(sent.length, 0, 'not inside the turn that pushed it');
  timers.advance(0);
  assert.deepEqual(sent, [{ at: 0, items: [1] }], 'a lone mark goes at the next turn, no 50 ms wait');
  // What arrived while that batch was committing (pushed in one turn) goes as one batch, in order.
  b.push(2);
  b.push(3);
  timers.advance(0);
  assert.deepEqual(sent[1], { at: 0, items: [2, 3] });
  b.push(4);
  b.push(5);
  b.push(6);
  assert.deepEqual(sent[2], { at: 0, items: [4, 5, 6] }, 'full: at once, not a turn later');
  timers.advance(0);
  assert.equal(sent.length, 3, 'no empty batch');
  assert.equal(timers.pending, 0);
});
