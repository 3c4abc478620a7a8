// Bundles the Electron main process and the preload with esbuild (Electron runs neither .ts nor Node's type
// stripping): dist/electron/main.cjs and dist/electron/preload.cjs. better-sqlite3 stays external (a native module,
// shipped unpacked from the asar); electron is provided by the runtime. The wasm kernel (kernel.wasm) is
// embedded in the bundles, and its second thread is a bundle of its own, dist/electron/wasmWorker.cjs; so is a
// console's stress run's thread, dist/electron/stressWorker.cjs.
//   node scripts/build-electron.ts
import path from 'node:path';
import fs from 'node:fs';
import { build, type BuildOptions } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'electron');

// The code is ESM TypeScript that uses import.meta.url / import.meta.dirname (e.g. the demo book's data folder);
// in a CommonJS bundle they become the bundle's own location.
const KERNEL_WASM = fs.readFileSync(path.join(ROOT, 'main/engine/wasm/kernel.wasm')).toString('base64');
const WASM_WORKER = 'wasmWorker';
const STRESS_WORKER = 'stressWorker';
const CHECKPOINT_WORKER = 'checkpointWorker';

const common: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node22',
  outExtension: { '.js': '.cjs' },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
  absWorkingDir: ROOT,
  banner: { js: "const __riskdesk_import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
  define: {
    'import.meta.url': '__riskdesk_import_meta_url',
    'import.meta.dirname': '__dirname',
    'import.meta.filename': '__filename',
    // See main/engine/wasm/loader.ts and parallel.ts.
    __RISKDESK_KERNEL_WASM__: JSON.stringify(KERNEL_WASM),
    __RISKDESK_WASM_WORKER__: JSON.stringify(`./${WASM_WORKER}.cjs`),
    // See main/commands/recovery/stressThread.ts.
    __RISKDESK_STRESS_WORKER__: JSON.stringify(`./${STRESS_WORKER}.cjs`),
    // See main/ledger/checkpointThread.ts.
    __RISKDESK_CHECKPOINT_WORKER__: JSON.stringify(`./${CHECKPOINT_WORKER}.cjs`),
  },
};

async function main(): Promise<void> {
  fs.mkdirSync(OUT, { recursive: true });
  const main = await build({
    ...common,
    entryPoints: {
      main: path.join(ROOT, 'main/electron/main.ts'),
      [WASM_WORKER]: path.join(ROOT, 'main/engine/wasm/worker.ts'),
      [STRESS_WORKER]: path.join(ROOT, 'main/commands/recovery/stressWorker.ts'),
      [CHECKPOINT_WORKER]: path.join(ROOT, 'main/ledger/checkpointWorker.ts'),
    },
    outdir: OUT,
    external: ['electron', 'better-sqlite3'],
    metafile: true,
  });
  // The sandboxed preload may require nothing but 'electron': no Node built-ins, no other module.
  const preload = await build({
    ...common,
    banner: {},
    define: {},
    entryPoints: { preload: path.join(ROOT, 'main/electron/preload.ts') },
    outdir: OUT,
    external: ['electron'],
    metafile: true,
  });
  const preloadImports = Object.values(preload.metafile!.outputs).flatMap((o) => o.imports.map((i) => i.path));
  const foreign = preloadImports.filter((p) => p !== 'electron');
  if (foreign.length) throw new Error(`the preload may only import electron, but imports ${foreign.join(', ')}`);
  for (const [file, o] of Object.entries({ ...main.metafile!.outputs, ...preload.metafile!.outputs })) {
    if (file.endsWith('.cjs')) process.stdout.write(`${path.relative(ROOT, path.resolve(ROOT, file))}  ${(o.bytes / 1024).toFixed(0)} KiB\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`build-electron: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
