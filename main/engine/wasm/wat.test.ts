// The small WAT assembler (wat.ts): encodings checked by running what it assembles, flat and folded forms giving
// the same bytes, and refusals for what it does not know.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, WatError } from './wat.ts';
import { kernelBytes } from './loader.ts';
import { Wasm } from './webassembly.ts';

const MEM = '(import "env" "memory" (memory 1 1 shared))';
const memory = () => new Wasm.Memory({ initial: 1, maximum: 1, shared: true });

function run(body: string): Record<string, (...a: unknown[]) => unknown> {
  const bytes = assemble(`(module ${MEM} ${body})`);
  assert.ok(Wasm.validate(bytes), 'valid module');
  return new Wasm.Instance(new Wasm.Module(bytes), { env: { memory: memory() } }).exports as never;
}

test('wat: i64 and i32 constants round-trip through signed LEB128', () => {
  const values = [0n, 1n, -1n, 63n, 64n, -64n, -65n, 127n, 128n, 2n ** 31n, -(2n ** 31n), 2n ** 53n - 1n, -(2n ** 63n), 2n ** 63n - 1n];
  for (const v of values) {
    assert.equal(run(`(func (export "f") (result i64) (i64.const ${v}))`).f!(), v);
  }
  assert.equal(run('(func (export "f") (result i64) (i64.const 0xffff_ffff_ffff_ffff))').f!(), -1n);
  assert.equal(run('(func (export "f") (result i32) (i32.const 0x7fffffff))').f!(), 2147483647);
  assert.equal(run('(func (export "f") (result i32) (i32.const 0x80000000))').f!(), -2147483648);
  assert.equal(run('(func (export "f") (result f64) (f64.const 4611686018427387904))').f!(), 2 ** 62);
  assert.throws(() => assemble(`(module (func (result i32) (i32.const 0x100000000)))`), WatError);
});

test('wat: flat and folded forms assemble to the same bytes', () => {
  const flat = `(module (func (export "f") (param $a i64) (param $b i64) (result i64)
    local.get $a local.get $b i64.add
    local.get $a i64.const 0 i64.lt_s
    if (result i64) i64.const 1 else i64.const 2 end
    i64.mul))`;
  const folded = `(module (func (export "f") (param $a i64) (param $b i64) (result i64)
    (i64.mul
      (i64.add (local.get $a) (local.get $b))
      (if (result i64) (i64.lt_s (local.get $a) (i64.const 0)) (then (i64.const 1)) (else (i64.const 2))))))`;
  assert.deepEqual(assemble(flat), assemble(folded));
});

test('wat: blocks, loops, labels, calls, locals, memory with offsets', () => {
  const e = run(`
    (func $sq (param $x i64) (result i64) (i64.mul (local.get $x) (local.get $x)))
    ;; sum of squares 1..n, stored at 16 + 8 and read back
    (func (export "f") (param $n i64) (result i64) (local $i i64) (local $s i64) (; block comment ;)
      (block $done
        (loop $next
          (br_if $done (i64.ge_s (local.get $i) (local.get $n)))
          (local.set $i (i64.add (local.get $i) (i64.const 1)))
          (local.set $s (i64.add (local.get $s) (call $sq (local.get $i))))
          (br $next)))
      (i64.store offset=8 (i32.const 16) (local.get $s))
      (i64.load offset=24 (i32.const 0)))
    (func (export "g") (param $x i32) (result i32)
      (select (i32.const 10) (i32.const 20) (local.get $x)))`);
  assert.equal(e.f!(10n), 385n);
  assert.equal(e.g!(1), 10);
  assert.equal(e.g!(0), 20);
});

test('wat: refuses what it does not know', () => {
  assert.throws(() => assemble('(module (func (i64.frobnicate)))'), /unsupported instruction i64.frobnicate/);
  assert.throws(() => assemble('(module (func (local.get $nope)))'), /unknown local \$nope/);
  assert.throws(() => assemble('(module (func (br $nope)))'), /unknown label \$nope/);
  assert.throws(() => assemble('(module (func (call $nope)))'), /unknown function \$nope/);
  assert.throws(() => assemble('(module (global i32))'), /unsupported module field/);
  assert.throws(() => assemble('(module (func)'), /unbalanced/);
});

test('wat: the kernel assembles to a valid module', () => {
  assert.ok(Wasm.validate(kernelBytes()));
});
