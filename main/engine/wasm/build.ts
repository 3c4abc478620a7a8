// `node main/engine/wasm/build.ts [--out FILE]`: assembles kernel.wat and writes the module's bytes (default
// dist/wasm/kernel.wasm, a build output), printing its size and SHA-256. The engine itself assembles kernel.wat
// when it first loads the kernel (loader.ts), so this is for inspection (wasm-objdump, wasm2wat) and for a
// packaged build that ships the bytes instead of the text.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { kernelBytes } from './loader.ts';
import { Wasm } from './webassembly.ts';

const i = process.argv.indexOf('--out');
const out = i >= 0 ? process.argv[i + 1]! : fileURLToPath(new URL('../../../dist/wasm/kernel.wasm', import.meta.url));
fs.mkdirSync(path.dirname(out), { recursive: true });
const bytes = kernelBytes();
if (!Wasm.validate(bytes)) throw new Error('the assembled kernel does not validate');
fs.writeFileSync(out, bytes);
process.stdout.write(`${out}: ${bytes.length} bytes, sha256 ${crypto.createHash('sha256').update(bytes).digest('hex')}\n`);
