// Where a drill's sandbox lives: beside its ledger, `<ledger>.drills/run-N.db` (a door makes it with the online
// backup, main/doors/makeDrill.ts). A console door opened on such a file is a drill console: only drills start there,
// and every screen says DRILL.
import path from 'node:path';

/** The sidecar folder of a ledger's drills. */
export function drillsDir(ledger: string): string {
  return `${path.resolve(ledger)}.drills`;
}

export function drillFile(ledger: string, run: number): string {
  return path.join(drillsDir(ledger), `run-${run}.db`);
}

/** Whether a ledger file is a drill's sandbox copy, by the name the door gave it. */
export function isDrillSandbox(file: string): boolean {
  return /\.drills[\\/]run-\d+\.db$/.test(file);
}
