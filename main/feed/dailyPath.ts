// The daily files of the data folder (../shared/data) expanded to one intraday path over the book's futures and
// perpetuals (replay.ts), each rescaled to the instrument's current mark and rounded to its tick: what the console's
// replay plays, and what a drill's market scenario delivers on the drill's clock.
import fs from 'node:fs';
import path from 'node:path';
import type { InstrumentView, PriceSeries } from '../../shared/contract.ts';
import { InputError } from '../../shared/errors.ts';
import { UNDERLYINGS } from '../demo/market.ts';
import { expandDaily, mergePaths, readDailyBars, type PathPoint, type PricePath } from './replay.ts';

export interface DailyPathRequest {
  from: string;
  to: string;
  stepsPerDay?: number;
  seed?: number;
}

/**
 * `instruments` and their latest marks (`history`, one point each) as the command layer lists them; the daily files
 * read from `dataDir`. Instruments without a mark yet are left out.
 */
export function dailyPath(instruments: readonly InstrumentView[], history: (ids: string[]) => PriceSeries[], dataDir: string, i: DailyPathRequest): PricePath {
  if (i.from >= i.to) throw new InputError(`from (${i.from}) must be before to (${i.to})`, { field: 'from' });
  const files = new Map(UNDERLYINGS.map((u) => [u.id as string, u.file]));
  const wanted = instruments.filter((x) => x.kind !== 'option' && files.has(x.underlying));
  if (wanted.length === 0) throw new InputError('no future or perpetual on an underlying with a daily file (BTC, ETH, NDX, USDT)', { field: 'source' });
  const marks = new Map(history(wanted.map((x) => x.id)).map((s) => [s.instrument, s.points.at(-1)?.mark]));
  const bars = new Map<string, ReturnType<typeof readDailyBars>>();
  const parts: PathPoint[][] = [];
  for (const x of wanted) {
    const level = marks.get(x.id);
    if (level === undefined) continue;
    const file = files.get(x.underlying)!;
    if (!bars.has(file)) {
      const full = path.join(dataDir, file);
      if (!fs.existsSync(full)) throw new InputError(`the daily file ${file} is not in ${dataDir}`, { field: 'source' });
      bars.set(file, readDailyBars(fs.readFileSync(full, 'utf8'), file));
    }
    parts.push(expandDaily(bars.get(file)!, { instrument: x.id, from: i.from, to: i.to, tick: x.tick, scaleTo: level, ...(i.stepsPerDay ? { stepsPerDay: i.stepsPerDay } : {}), seed: i.seed ?? 1 }));
  }
  if (parts.length === 0) throw new InputError('none of those instruments has a mark yet to scale the path to', { field: 'source' });
  return mergePaths(`daily ${i.from}..${i.to} (${parts.length} instruments)`, parts);
}
