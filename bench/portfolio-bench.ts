// `npm run bench:portfolio [-- --accounts N --rounds R --share S]`: issue 17's target, portfolio margin on the demo
// book with a share (default 20%) of its positions in options, beside the tiered figure:
//  - full revaluation (evaluateBook: kernel + BigInt path, which margins the combined commodities), median;
//  - a margin cycle through dispatch('cycle.run') on a real ledger file, before and after the options are imported
//    through dispatch('import.csv'), median.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateDemoBook, bookAtLastMark } from '../main/demo/generate.ts';
import { optionOverlay, withOptions } from '../main/demo/options.ts';
import { compileBook } from '../main/engine/columns.ts';
import { evaluateBook } from '../main/engine/evaluate.ts';
import type { Book } from '../main/engine/model.ts';
import { openLedger } from '../main/ledger/db.ts';
import { initLedger, DEMO_AS_OF } from '../main/commands/initLedger.ts';
import { dispatch } from '../main/commands/dispatch.ts';
import { formatCsv } from '../main/csv/format.ts';
import { refFromLists } from '../main/csv/types.ts';
import { readInstruments } from '../main/ledger/bookRepo.ts';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

/**
 * Median wall time and median CPU time (this process, user + system) of a full revaluation. On a machine shared with
 * other work the wall time counts the waits for a core; the CPU time is the work itself.
 */
function revaluation(book: Book, rounds: number): { ms: number; cpuMs: number; exact: number } {
  const cols = compileBook(book);
  let exact = 0;
  evaluateBook(book, false, cols); // warm-up (and the option arrays priced once)
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const c = process.cpuUsage();
    const t = performance.now();
    exact = evaluateBook(book, false, cols).exact.size;
    ms.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  return { ms: median(ms), cpuMs: median(cpu), exact };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '7' },
      share: { type: 'string', default: '0.2' },
      'skip-ledger': { type: 'boolean', default: false },
    },
  });
  const accounts = Number(values.accounts);
  const rounds = Number(values.rounds);
  const share = Number(values.share);
  const log = (s: string) => process.stderr.write(`${s}\n`);

  log(`building a ${accounts}-account demo book and its option overlay (${share * 100}% of positions)...`);
  const tiered = bookAtLastMark(generateDemoBook({ accounts, seed: 1, asOf: DEMO_AS_OF }));
  const overlay = optionOverlay(tiered, DEMO_AS_OF, share, 1);
  const portfolio = withOptions(tiered, overlay, DEMO_AS_OF);
  log('revaluation: tiered, then with options...');
  const t = revaluation(tiered, rounds);
  const p = revaluation(portfolio, rounds);

  let ledger: { tieredCycleMs: number; portfolioCycleMs: number; importMs: number } | null = null;
  if (!values['skip-ledger']) ledger = ledgerCycles(accounts, rounds, overlay, log);

  const report = {
    book: { accounts, positions: portfolio.positions.length, optionPositions: overlay.positions.length, optionInstruments: overlay.instruments.length },
    revaluation: {
      tieredMs: t.ms,
      portfolioMs: p.ms,
      extraMs: p.ms - t.ms,
      tieredCpuMs: t.cpuMs,
      portfolioCpuMs: p.cpuMs,
      extraCpuMs: p.cpuMs - t.cpuMs,
      targetExtraMs: 20,
      exactPathAccounts: { tiered: t.exact, portfolio: p.exact },
    },
    cycleThroughDispatch: ledger,
    machine: { cpus: os.cpus().length, loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))) },
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

/** A demo ledger of the same size: cycles through dispatch, then the overlay imported through dispatch, cycles again. */
function ledgerCycles(accounts: number, rounds: number, overlay: ReturnType<typeof optionOverlay>, log: (s: string) => void) {
  log('ledger: init, cycles through dispatch...');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'riskdesk-pbench-'));
  const db = openLedger(path.join(dir, 'bench.db'), { create: true });
  const cycles = (n: number) => {
    const ms: number[] = [];
    for (let r = 0; r < n; r++) {
      const t0 = performance.now();
      dispatch({ db, actor: { name: 'bench', role: 'operator' }, now: () => new Date(DEMO_AS_OF) }, 'cycle.run', { at: DEMO_AS_OF });
      ms.push(performance.now() - t0);
    }
    return median(ms.slice(1)); // the first cycle of each set issues the calls; the rest are the steady state
  };
  try {
    initLedger(db, { demo: true, accounts, seed: 1 }, new Date(DEMO_AS_OF));
    const tieredCycleMs = cycles(Math.max(3, Math.min(rounds, 5)));
    const sup = { db, actor: { name: 'bench', role: 'supervisor' as const }, now: () => new Date(DEMO_AS_OF) };
    const ref = refFromLists({ instruments: [...readInstruments(db), ...overlay.instruments] });
    const t0 = performance.now();
    dispatch(sup, 'import.csv', { kind: 'instruments', file: 'options.csv', text: formatCsv('instruments', overlay.instruments, ref) });
    const prices = overlay.instruments.map((x) => ({ instrument: x.id, at: DEMO_AS_OF, mark: overlay.marks.get(x.id)!, impliedVol: overlay.vols.get(x.id)!, source: 'bench' }));
    dispatch(sup, 'import.csv', { kind: 'prices', file: 'option-prices.csv', text: formatCsv('prices', prices, ref) });
    dispatch(sup, 'import.csv', { kind: 'positions', file: 'option-positions.csv', text: formatCsv('positions', overlay.positions, ref) });
    const importMs = performance.now() - t0;
    const portfolioCycleMs = cycles(Math.max(3, Math.min(rounds, 5)));
    return { tieredCycleMs, portfolioCycleMs, importMs };
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

await main();
