// `npm run bench:import-lock`: how long a large prices import keeps other writers out (issue 19, "long imports").
// A demo ledger, a prices file of ROWS rows (default 1,000,000: the demo instruments x minute marks), imported through
// the command layer twice, on two fresh ledgers under the same load: as one transaction that parses, checks and writes
// (dispatch, the path a replay and the console's door take, and every import before staging), and staged (dispatchAsync,
// as the CLI imports: parsed, checked and staged without the write lock, then published). Meanwhile a second process
// asks for the ledger's write lock every millisecond without waiting (BEGIN IMMEDIATE, busy timeout 0), as a
// browser-mode deposit would, and reports the longest stretch it was refused: the longest write-lock hold as another
// writer sees it. Prints a line of figures per path, with the size of the import's journal entry (a large file is
// recorded compressed, main/commands/importRecord.ts).
//   node bench/import-lock-bench.ts [ROWS] [both|staged|whole]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openLedger } from '../main/ledger/db.ts';
import { lastPayloadLength } from '../main/ledger/journal.ts';
import { initLedger } from '../main/commands/initLedger.ts';
import { dispatch, dispatchAsync } from '../main/commands/dispatch.ts';
import type { ImportResult } from '../shared/contract.ts';
import { repeatedMarks } from '../test/support/prices.ts';
import { startLockProber } from '../test/support/lockProber.ts';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const PATHS = process.argv[3] ?? 'both';
const AS_OF = '2026-03-12T21:00:00Z';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-import-lock-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const t0 = Date.parse(AS_OF);

async function measure(path_: 'one transaction' | 'staged'): Promise<void> {
  const file = path.join(dir, `${path_ === 'staged' ? 'staged' : 'whole'}.db`);
  const db = openLedger(file, { create: true });
  initLedger(db, { demo: true, accounts: 200, seed: 7 }, new Date(AS_OF));
  const text = repeatedMarks(db, ROWS, new Date(t0 + 60_000).toISOString());

  const prober = await startLockProber(file);
  await new Promise((r) => setTimeout(r, 200));

  const ctx = { db, actor: { name: 'bench', role: 'operator' as const, batch: true as const }, now: () => new Date(t0 + 90 * 86_400_000) };
  const input = { kind: 'prices', file: 'bench.csv', text };
  const started = performance.now();
  const r = (path_ === 'staged' ? await dispatchAsync(ctx, 'import.csv', input) : dispatch(ctx, 'import.csv', input)) as ImportResult;
  const importMs = performance.now() - started;
  await new Promise((r) => setTimeout(r, 200));
  const probe = await prober.stop();
  const entry = lastPayloadLength(db, 'import.csv');
  db.close();
  process.stdout.write(
    `import-lock (${path_}): ${r.rows} price rows (${(text.length / 1e6).toFixed(1)} MB) imported in ${Math.round(importMs)} ms, journal entry ${(entry / 1e6).toFixed(1)} MB; longest write-lock hold seen by another writer ${Math.round(probe.longest)} ms (${probe.refused} refusals, ${probe.taken} locks taken)\n`,
  );
}

if (PATHS !== 'staged') await measure('one transaction');
if (PATHS !== 'whole') await measure('staged');
