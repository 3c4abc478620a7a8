// Price files made from a ledger's own marks, for tests that move the market.
import type { Ledger } from '../../main/ledger/db.ts';
import { readInstruments } from '../../main/ledger/bookRepo.ts';
import { ticksToPrice } from '../../main/commands/console/accountView.ts';
import { divRound } from '../../shared/units.ts';

/** Every instrument's latest mark moved by pct percent, as a prices CSV at `at`. */
export function movedPrices(db: Ledger, at: string, pct: bigint): string {
  const rows = db.prepare('SELECT p.instrument_id, p.mark FROM prices p WHERE p.at = (SELECT max(at) FROM prices q WHERE q.instrument_id = p.instrument_id)').raw().all() as [string, bigint][];
  const ticks = new Map(readInstruments(db).map((i) => [i.id, i.tick]));
  return 'instrument,at,mark,implied_vol,source\n' + rows.map(([id, m]) => `${id},${at},${ticksToPrice(divRound(m * (100n + pct), 100n, 'halfEven'), ticks.get(id)!)},,test`).join('\n') + '\n';
}

/**
 * A prices CSV of `rows` rows: every instrument's latest mark again, a minute apart from `from` on (the marks do not
 * move, so a cycle reads the book as it was), for imports that must be large.
 */
export function repeatedMarks(db: Ledger, rows: number, from: string): string {
  const latest = db.prepare('SELECT p.instrument_id, p.mark FROM prices p WHERE p.at = (SELECT max(at) FROM prices q WHERE q.instrument_id = p.instrument_id)').raw().all() as [string, bigint][];
  const ticks = new Map(readInstruments(db).map((i) => [i.id, i.tick]));
  const marks = latest.map(([id, m]) => [id, ticksToPrice(m, ticks.get(id)!)] as const);
  const lines = ['instrument,at,mark,source'];
  const t0 = Date.parse(from);
  for (let m = 0; lines.length <= rows; m++) {
    const at = new Date(t0 + m * 60_000).toISOString();
    for (const [id, price] of marks) {
      if (lines.length > rows) break;
      lines.push(`${id},${at},${price},bulk`);
    }
  }
  return `${lines.join('\n')}\n`;
}
