import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileTailer } from './tail.ts';
import { FakeTimers } from './timers.ts';

function setup(from: 'start' | 'end' = 'end') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-tail-'));
  const file = path.join(dir, 'marks.ndjson');
  const timers = new FakeTimers();
  const got: string[] = [];
  const restarts: string[] = [];
  const errors: string[] = [];
  const t = new FileTailer(file, (b) => got.push(b.toString('utf8')), {
    timers,
    pollMs: 100,
    maxBytesPerPoll: 8,
    from,
    onRestart: (w) => restarts.push(w),
    onError: (m) => errors.push(m),
  });
  return { dir, file, timers, got, restarts, errors, t };
}

test('reads only what is appended after it starts, bounded per poll, and catches up at once', () => {
  const s = setup('end');
  fs.writeFileSync(s.file, 'old line\n');
  s.t.start();
  assert.equal(s.got.length, 0);
  fs.appendFileSync(s.file, 'abcdefghij\n');
  s.timers.advance(99);
  assert.equal(s.got.length, 0, 'nothing before the next poll');
  s.timers.advance(1);
  assert.equal(s.got.join(''), 'abcdefghij\n', 'a backlog over one poll is read on polls right after');
  assert.deepEqual(s.got.map((c) => c.length), [8, 3]);
  s.t.stop();
  assert.equal(s.timers.pending, 0, 'stop leaves no timer behind');
});

test('waits for a file that is not there yet, then reads it from the start', () => {
  const s = setup('end');
  s.t.start();
  s.timers.advance(300);
  assert.equal(s.got.length, 0);
  assert.deepEqual(s.errors, []);
  fs.writeFileSync(s.file, 'first\n');
  s.timers.advance(100);
  assert.equal(s.got.join(''), 'first\n');
  assert.deepEqual(s.restarts, ['opened']);
  s.t.stop();
});

test('a truncated file is read again from its start; a replaced one too', () => {
  const s = setup('start');
  fs.writeFileSync(s.file, 'one two three\n');
  s.t.start();
  s.timers.advance(100);
  assert.equal(s.got.join(''), 'one two three\n');
  fs.writeFileSync(s.file, 'new\n'); // truncates and writes less
  s.timers.advance(100);
  assert.equal(s.got.slice(-1)[0], 'new\n');
  assert.deepEqual(s.restarts, ['opened', 'truncated']);
  const moved = path.join(s.dir, 'moved');
  fs.renameSync(s.file, moved);
  fs.writeFileSync(s.file, 'rotated\n');
  s.timers.advance(100);
  assert.equal(s.got.slice(-1)[0], 'rotated\n');
  assert.deepEqual(s.restarts, ['opened', 'truncated', 'replaced']);
  s.t.stop();
});

test('polls at the set interval only: no busy loop while nothing changes', () => {
  const s = setup('end');
  fs.writeFileSync(s.file, '');
  let stats = 0;
  const orig = fs.statSync;
  (fs as { statSync: typeof fs.statSync }).statSync = ((...a: Parameters<typeof fs.statSync>) => {
    stats++;
    return orig(...a);
  }) as typeof fs.statSync;
  try {
    s.t.start();
    s.timers.advance(1000);
  } finally {
    (fs as { statSync: typeof fs.statSync }).statSync = orig;
  }
  assert.equal(stats, 11, 'one look at start and one per 100 ms');
  s.t.stop();
});
