// `node scripts/build-kernel.ts [--check]` (npm run build:kernel): assembles main/engine/wasm/kernel.wat with wabt
// into kernel.wasm beside it, the module the engine loads, and prints its size and SHA-256. With --check it writes
// nothing and fails when the checked-in kernel.wasm is not what kernel.wat assembles to.
import crypto from 'node:crypto';
import fs from 'node:fs';
import { assembleKernel, KERNEL_WASM } from './kernelWasm.ts';

const bytes = await assembleKernel();
const sha = crypto.createHash('sha256').update(bytes).digest('hex');
if (process.argv.includes('--check')) {
  const current = fs.existsSync(KERNEL_WASM) ? fs.readFileSync(KERNEL_WASM) : null;
  if (current === null || !current.equals(bytes)) {
    process.stderr.write(`${KERNEL_WASM} is not what kernel.wat assembles to: run npm run build:kernel and commit it\n`);
    process.exit(1);
  }
  process.stdout.write(`${KERNEL_WASM}: up to date (${bytes.length} bytes, sha256 ${sha})\n`);
} else {
  fs.writeFileSync(KERNEL_WASM, bytes);
  process.stdout.write(`${KERNEL_WASM}: ${bytes.length} bytes, sha256 ${sha}\n`);
}
