// The last ledger stress run with the default scenarios, kept with the ledger state it was run on (the file, the
// journal's head and the as-of time), so that a report that needs Cover-1 and Cover-2 can have them made on a thread
// first (the console's door: stressThread.ts) and then read them here, instead of valuing the whole book on the
// console's thread while every other request waits (5-11 s on the 100k book). The same head is the same ledger,
// so a kept run is the run that would be made now; any journalled change makes it a miss.
import type { Database } from 'better-sqlite3';
import type { StressReport } from '../../../shared/contractRecovery.ts';
import { journalHead } from '../../ledger/journal.ts';

let kept: { key: string; report: StressReport } | null = null;

/** What a default-scenario run on `db` as of `asOf` is kept under: read it before the run starts. */
export function stressKey(db: Database, asOf: string): string {
  return `${db.name}\n${journalHead(db).hash}\n${asOf}`;
}

export function rememberStress(key: string, report: StressReport): void {
  kept = { key, report };
}

/** The kept default-scenario run on this ledger as it is now, as of `asOf`, or null. */
export function rememberedStress(db: Database, asOf: string): StressReport | null {
  return kept?.key === stressKey(db, asOf) ? kept.report : null;
}
