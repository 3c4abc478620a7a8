// The bundled command line (scripts/build-cli.ts, bin/bundle.js): the bundle is the same program as the sources (a
// cycle through each stores the same rows), and bin/riskdesk.js runs it only while it is fresh: a changed, missing
// or unlisted file, a missing or broken manifest, or RISKDESK_SOURCES=1 runs the sources instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildCli, manifestEntry } from '../scripts/build-cli.ts';
import { freshBundle } from '../bin/bundle.js';
import { NODE, ROOT, childEnv, tempDir, copyLedger, withLedger, tableRows } from './support/cli.ts';

function fakeBuild(root: string, files: Record<string, string>): string {
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), text);
  }
  const dir = path.join(root, 'dist', 'cli');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'cli.mjs'), '// bundle\n');
  const entries = Object.keys(files).map((f) => manifestEntry(root, f));
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ bundle: 'cli.mjs', files: entries }));
  return path.join(dir, 'cli.mjs');
}

test('a bundle runs only while every file it was made from is as the manifest records it', (t) => {
  const root = tempDir(t, 'riskdesk-bundle-');
  const bundle = fakeBuild(root, { 'main/a.ts': 'export const a = 1;\n', 'main/b.ts': 'export const b = 2;\n' });
  assert.equal(freshBundle(root, undefined, {}), bundle);
  // The way around it: a source edited after the build (same size, new time) is not hidden behind the old bundle.
  const later = new Date(Date.now() + 5_000);
  fs.writeFileSync(path.join(root, 'main/a.ts'), 'export const a = 3;\n');
  fs.utimesSync(path.join(root, 'main/a.ts'), later, later);
  assert.equal(freshBundle(root, undefined, {}), null, 'an edited source');
});

test('a missing source, a broken manifest, a missing bundle or RISKDESK_SOURCES=1 runs the sources', (t) => {
  const root = tempDir(t, 'riskdesk-bundle-');
  const files = { 'main/a.ts': 'export const a = 1;\n', 'main/b.ts': 'export const b = 2;\n' };
  const bundle = fakeBuild(root, files);
  assert.equal(freshBundle(root, undefined, { RISKDESK_SOURCES: '1' }), null, 'RISKDESK_SOURCES=1');
  fs.rmSync(path.join(root, 'main/b.ts'));
  assert.equal(freshBundle(root, undefined, {}), null, 'a source deleted');
  fakeBuild(root, files);
  fs.rmSync(bundle);
  assert.equal(freshBundle(root, undefined, {}), null, 'no bundle');
  fakeBuild(root, files);
  fs.writeFileSync(path.join(root, 'dist/cli/manifest.json'), '{"bundle": "cli.mjs", "files": [');
  assert.equal(freshBundle(root, undefined, {}), null, 'a truncated manifest');
  fs.writeFileSync(path.join(root, 'dist/cli/manifest.json'), '{"bundle": "cli.mjs", "files": []}');
  assert.equal(freshBundle(root, undefined, {}), null, 'a manifest listing nothing');
  fs.rmSync(path.join(root, 'dist/cli/manifest.json'));
  assert.equal(freshBundle(root, undefined, {}), null, 'no manifest');
});

test('the bundle is the same program: a cycle through it stores what the same cycle through the sources stores', { timeout: 240_000 }, async (t) => {
  const dir = tempDir(t, 'riskdesk-bundle-');
  // Built inside the project (.tmp is ignored) as dist/cli is: better-sqlite3 stays external, found from there.
  fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const out = fs.mkdtempSync(path.join(ROOT, '.tmp', 'cli-'));
  t.after(() => fs.rmSync(out, { recursive: true, force: true }));
  const { bundle } = await buildCli(out);
  assert.equal(freshBundle(ROOT, out, {}), bundle, 'fresh right after its build');
  const run = (program: string, args: string[]) => {
    const r = spawnSync(NODE, [program, ...args], { encoding: 'utf8', env: childEnv({ RISKDESK_PASSWORD: 'operator-demo' }), timeout: 120_000 });
    assert.equal(r.status, 0, `${path.basename(program)} ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const at = '2026-03-12T21:00:00.000Z';
  const base = path.join(dir, 'base.db');
  run(path.join(ROOT, 'main/cli/entry.ts'), ['init', '--db', base, '--demo', '--accounts', '400', '--now', at]);
  const outs = ['sources', 'bundle'].map((which) => {
    const db = copyLedger(base, path.join(dir, `${which}.db`));
    const program = which === 'bundle' ? bundle : path.join(ROOT, 'main/cli/entry.ts');
    const out = JSON.parse(run(program, ['cycle', '--db', db, '--at', at, '--now', at, '--as', 'operator', '--json'])) as { ms: number; accounts: number };
    out.ms = 0;
    const rows = withLedger(db, (l) => ['margin_cycles', 'cycle_result_chunks', 'cycle_isolated_units', 'margin_calls', 'margin_call_events', 'liquidations', 'liquidation_orders', 'journal'].map((table) => tableRows(l, table)));
    return { out, rows };
  });
  assert.ok(outs[0]!.out.accounts >= 400);
  assert.ok(outs[0]!.rows[3]!.length > 0, 'the cycle issued margin calls');
  assert.deepEqual(outs[1], outs[0]);
});
