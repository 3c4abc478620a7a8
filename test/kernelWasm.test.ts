// CI's check that the checked-in kernel.wasm, which the engine loads, is what kernel.wat assembles to with wabt: an
// edit of the text that was not rebuilt (npm run build:kernel), or a hand-edited binary, fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { assembleKernel, KERNEL_WASM } from '../scripts/kernelWasm.ts';
import { kernelBytes } from '../main/engine/wasm/loader.ts';

test('kernel.wasm is what kernel.wat assembles to, and it is what the engine loads', async () => {
  const built = await assembleKernel();
  const checkedIn = fs.readFileSync(KERNEL_WASM);
  assert.ok(
    checkedIn.equals(built),
    `${KERNEL_WASM} (${checkedIn.length} bytes) is not what kernel.wat assembles to (${built.length} bytes): run npm run build:kernel`,
  );
  assert.ok(Buffer.from(kernelBytes()).equals(built));
});
