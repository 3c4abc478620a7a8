// How a drill's sandbox is made, the same for every door (the CLI's `playbook start --mode drill`, a console's
// playbooks.drill): the live ledger opened read-only and copied with SQLite's online backup into its sidecar folder
// under a temporary name, the run started in the copy (so its run, its steps and every command they run are
// journalled there, never in the live file), and the copy then named after the run, `<ledger>.drills/run-N.db`.
// A failure leaves no copy behind. Drill and live run numbers never meet: a drill's run takes a number above every
// live run (the copy holds them) and above every earlier drill in the folder.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Channel, InputOf, InstrumentView, PriceSeries } from '../../shared/contract.ts';
import { DRILL_SCENARIOS, type DrillScenarioId } from '../../shared/contractPlaybook.ts';
import { InputError } from '../../shared/errors.ts';
import { openLedger } from '../ledger/db.ts';
import { backupLedger } from '../ledger/backup.ts';
import { dailyPath } from '../feed/dailyPath.ts';
import { DEFAULT_DATA_DIR } from '../demo/market.ts';
import { drillsDir, drillFile } from '../playbooks/sandbox.ts';

/** The run numbers of a ledger's drills, by the files in its sidecar folder. */
export function drillIds(ledger: string): number[] {
  const dir = drillsDir(ledger);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .map((f) => /^run-(\d+)\.db$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]));
}

/** A ledger file, and whether it is a drill's sandbox copy (where only a drill may start). */
export interface Where {
  file: string;
  sandbox: boolean;
}

type DrillScenario = NonNullable<InputOf<'playbooks.start'>['scenario']>;

/**
 * A named scenario's market path over the sandbox's book (its futures and perpetuals and their last marks), from the
 * days in the data folder, at `speed` market seconds per drill second (288 by default: a day in five minutes).
 */
export async function scenarioPath(id: DrillScenarioId, speed: number | undefined, run: (channel: Channel, payload: unknown) => Promise<unknown>): Promise<DrillScenario> {
  const s = DRILL_SCENARIOS[id];
  const instruments = ((await run('instruments.list', {})) as InstrumentView[]).filter((x) => x.kind !== 'option').slice(0, 50);
  const history = new Map(((await run('prices.history', { instruments: instruments.map((x) => x.id), limit: 1 })) as PriceSeries[]).map((p) => [p.instrument, p]));
  const path = dailyPath(instruments, (ids) => ids.flatMap((i) => (history.has(i) ? [history.get(i)!] : [])), fileURLToPath(DEFAULT_DATA_DIR), { from: s.from, to: s.to, stepsPerDay: 24, seed: 1 });
  return { id, acceleration: speed ?? 288, points: path.points };
}

/**
 * Copies `ledger` into a new sandbox and starts the drill there with `start` (given where the copy is and the least
 * run number it may take; it returns the run it started). Returns the run and the sandbox's file.
 */
export async function makeDrill(ledger: string, start: (at: Where, firstId: number) => Promise<number>): Promise<{ run: number; sandbox: string }> {
  const dir = drillsDir(ledger);
  fs.mkdirSync(dir, { recursive: true });
  const temp = path.join(dir, `starting-${process.pid}-${randomBytes(6).toString('hex')}.db`);
  let live;
  try {
    live = openLedger(ledger, { readonly: true });
  } catch (e) {
    throw new InputError((e as Error).message);
  }
  try {
    await backupLedger(live, temp);
  } finally {
    live.close();
  }
  try {
    const run = await start({ file: temp, sandbox: true }, Math.max(0, ...drillIds(ledger)) + 1);
    const sandbox = drillFile(ledger, run);
    if (fs.existsSync(sandbox)) throw new Error(`drill sandbox ${sandbox} already exists`);
    for (const suffix of ['-wal', '-shm']) if (fs.existsSync(temp + suffix)) fs.renameSync(temp + suffix, sandbox + suffix);
    fs.renameSync(temp, sandbox);
    return { run, sandbox };
  } catch (e) {
    for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(temp + suffix, { force: true });
    throw e;
  }
}
