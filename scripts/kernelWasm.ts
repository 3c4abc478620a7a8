// The wasm kernel's bytes, assembled from main/engine/wasm/kernel.wat by wabt (the WebAssembly project's own
// toolkit, compiled to wasm for npm): the engine loads the checked-in kernel.wasm, and this is what it must equal.
import fs from 'node:fs';
import path from 'node:path';
import wabt from 'wabt';
import { Wasm } from '../main/engine/wasm/webassembly.ts';

const WASM_DIR = path.resolve(import.meta.dirname, '..', 'main', 'engine', 'wasm');
export const KERNEL_WAT = path.join(WASM_DIR, 'kernel.wat');
export const KERNEL_WASM = path.join(WASM_DIR, 'kernel.wasm');

/** Assembles kernel.wat; throws naming the line when the text does not assemble or the module does not validate. */
export async function assembleKernel(): Promise<Uint8Array<ArrayBuffer>> {
  const tools = await wabt();
  // threads: the kernel's memory is shared between the two threads of a cycle.
  const mod = tools.parseWat('kernel.wat', fs.readFileSync(KERNEL_WAT, 'utf8'), { threads: true });
  try {
    mod.resolveNames();
    const bytes = new Uint8Array(mod.toBinary({ log: false, write_debug_names: false }).buffer);
    // V8, which runs the kernel, is the judge of validity (wabt.js's own validate() ignores the threads feature).
    if (!Wasm.validate(bytes)) throw new Error('kernel.wat assembles to a module that does not validate');
    return bytes;
  } finally {
    mod.destroy();
  }
}
