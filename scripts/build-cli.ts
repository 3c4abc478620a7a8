// `node scripts/build-cli.ts [--out DIR]` (npm run build:cli, part of npm run build): bundles the command line
// (main/cli/entry.ts and everything it imports) with esbuild into dist/cli/cli.mjs, and writes beside it
// manifest.json, every source file the bundle was made from with its size and modification time.
//
// Why: Node strips the types of each of the CLI's ~400 TypeScript modules and resolves and compiles them one by one
// on every start; that was about 0.8 s of CPU before a cold `riskdesk cycle` did any work. bin/riskdesk.js runs the
// bundle only while the manifest still matches every file (bin/bundle.js); otherwise, and on a fresh clone with no
// dist/, it runs the sources as before, so an edit is never hidden behind an old bundle.
//
// better-sqlite3 stays external (a native module). import.meta in a module is rewritten to that module's own file,
// relative to the bundle, so paths found from it (the demo data, the playbook library, the renderer, the kernel's
// wasm and the worker threads' scripts, which stay TypeScript run by Node) are those of the sources.
import path from 'node:path';
import fs from 'node:fs';
import { build, type Plugin } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Files the bundle depends on beyond its inputs: a changed lock file may mean changed dependencies. */
const ALSO_WATCHED = ['package-lock.json', 'node_modules/.package-lock.json'];

export interface ManifestEntry {
  /** Relative to the project folder, '/'-separated. */
  file: string;
  size: number;
  mtimeMs: number;
}

export function manifestEntry(root: string, file: string): ManifestEntry | null {
  const st = fs.statSync(path.join(root, file), { throwIfNoEntry: false });
  return st ? { file, size: st.size, mtimeMs: st.mtimeMs } : null;
}

/** import.meta.url / dirname / filename as the module's own file, found from the bundle's location at run time. */
function ownImportMeta(outDir: string): Plugin {
  return {
    name: 'own-import-meta',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        if (!text.includes('import.meta')) return undefined;
        const rel = JSON.stringify(path.relative(outDir, args.path).split(path.sep).join('/'));
        const url = `new URL(${rel}, import.meta.url).href`;
        const contents = text
          .replaceAll('import.meta.url', url)
          .replaceAll('import.meta.dirname', `__riskdeskDirname(${url})`)
          .replaceAll('import.meta.filename', `__riskdeskFilename(${url})`);
        return { contents, loader: 'ts' };
      });
    },
  };
}

export async function buildCli(outDir = path.join(ROOT, 'dist', 'cli')): Promise<{ bundle: string; bytes: number; inputs: number }> {
  fs.mkdirSync(outDir, { recursive: true });
  const bundle = path.join(outDir, 'cli.mjs');
  const result = await build({
    entryPoints: [path.join(ROOT, 'main/cli/entry.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    absWorkingDir: ROOT,
    external: ['better-sqlite3'],
    plugins: [ownImportMeta(outDir)],
    metafile: true,
    // CommonJS dependencies bundled into ESM call require() for Node's built-ins; dirname/filename for the rewrite.
    banner: {
      js: [
        "import { createRequire as __riskdeskCreateRequire } from 'node:module';",
        "import { fileURLToPath as __riskdeskFileURLToPath } from 'node:url';",
        "import { dirname as __riskdeskDirnameOf } from 'node:path';",
        'const require = __riskdeskCreateRequire(import.meta.url);',
        'const __riskdeskFilename = (u) => __riskdeskFileURLToPath(u);',
        'const __riskdeskDirname = (u) => __riskdeskDirnameOf(__riskdeskFileURLToPath(u));',
      ].join('\n'),
    },
  });
  const inputs = Object.keys(result.metafile.inputs).map((f) => path.relative(ROOT, path.resolve(ROOT, f)).split(path.sep).join('/'));
  const entries = [...inputs, ...ALSO_WATCHED].map((f) => manifestEntry(ROOT, f)).filter((e) => e !== null);
  fs.writeFileSync(path.join(outDir, 'manifest.json'), JSON.stringify({ bundle: 'cli.mjs', files: entries }, null, 1) + '\n');
  return { bundle, bytes: fs.statSync(bundle).size, inputs: inputs.length };
}

// Run as a script (npm run build:cli), not when a test imports buildCli.
if (import.meta.filename === process.argv[1]) {
  const at = process.argv.indexOf('--out');
  buildCli(at > 0 ? path.resolve(process.argv[at + 1]!) : undefined).then(
    (r) => process.stdout.write(`${path.relative(ROOT, r.bundle)}  ${(r.bytes / 1024).toFixed(0)} KiB from ${r.inputs} files\n`),
    (e: unknown) => {
      process.stderr.write(`build-cli: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
