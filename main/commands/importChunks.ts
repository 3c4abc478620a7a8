// A series file (prices, volatilities, asset prices: up to millions of rows) published in chunks before its command's
// transaction, so that the import never holds the ledger's write lock for more than about CHUNK_MS at a time (issue 19,
// long imports), and still all or nothing: the rows wait hidden (ledger/seriesPublish.ts) until the command's one
// short transaction makes them visible and journals the import. If the command fails, or any chunk does, the hidden
// rows are deleted a chunk at a time; if the process dies, by the next writer of that table.
import type { CommandContext } from './context.ts';
import type { StagedImport } from './importCsv.ts';
import type { SeriesRows } from '../ledger/importRepo.ts';
import { beginPublish, publishChunk, flipPublish, tidyChunk, dropPublish, publishDone } from '../ledger/seriesPublish.ts';
import { retryWhileBusy } from './busy.ts';

/** Work a staged command does before its transaction, a chunk at a time, and after it (dispatchAsync). */
export interface ChunkedPublish {
  /** The rows written hidden, pausing (`pause`) between chunks so that other writers take the lock. */
  write(pause: () => Promise<void>): Promise<void>;
  /** After the command: a failed publish's rows deleted, a committed one's marks cleared; never throws. */
  settle(committed: boolean, pause: () => Promise<void>): Promise<void>;
}

/**
 * A chunk is sized to take about this long: a deposit waiting for the lock waits about this much. SQLite's own wait
 * looks for the lock again every 25 ms or less at first, so the pause between chunks (CHUNK_PAUSE_MS, dispatch.ts)
 * is as long, that a waiting writer finds the lock free.
 */
export const CHUNK_MS = 50;
const FIRST_ROWS = 5_000;
const MIN_ROWS = 500;
const MAX_ROWS = 200_000;

type SeriesKind = SeriesRows['kind'];

/** The next chunk's rows, from how long this one took (growing by half at most: a loaded host's times swing). */
function nextRows(rows: number, ms: number): number {
  const scaled = ms > 0 ? Math.round((rows * CHUNK_MS) / ms) : MAX_ROWS;
  return Math.max(MIN_ROWS, Math.min(MAX_ROWS, scaled, Math.round(rows * 1.5)));
}

/** `chunk(rows)` again while it says there is more, each sized from the last one's time, `pause` between them. */
async function inChunks(chunk: (rows: number) => boolean, pause: () => Promise<void>): Promise<void> {
  let rows = FIRST_ROWS;
  for (;;) {
    await pause();
    const started = performance.now();
    const n = rows;
    // One chunk is one transaction: busy, it changed nothing and is tried again on its own.
    if (!(await retryWhileBusy(async () => chunk(n)))) return;
    rows = nextRows(rows, performance.now() - started);
  }
}

export function chunkedPublish(ctx: CommandContext, s: StagedImport): ChunkedPublish {
  const kind = s.kind as SeriesKind;
  return {
    async write(pause) {
      s.generation = await retryWhileBusy(async () => beginPublish(ctx.db, kind, ctx.now().toISOString()));
      const generation = s.generation;
      let after: unknown[] | null = null;
      await inChunks((rows) => (after = publishChunk(ctx.db, kind, generation, after, rows)) !== null, pause);
    },
    async settle(_committed, pause) {
      const generation = s.generation;
      if (generation === undefined) return;
      try {
        await inChunks((rows) => tidyChunk(ctx.db, kind, generation, rows), pause);
      } catch {
        // Left as it is: hidden rows of a publish no longer this process's are deleted by the next writer of the
        // table, and a published row's mark left uncleared hides nothing.
      } finally {
        publishDone(generation);
      }
    },
  };
}

/** In the command's transaction: the staged file's hidden rows made visible. */
export function publishedInChunks(ctx: CommandContext, s: StagedImport): void {
  flipPublish(ctx.db, s.kind as SeriesKind, s.generation!);
}

/** In the command's transaction: the staged file's hidden rows deleted (it is parsed again, the reference changed). */
export function dropUnpublished(ctx: CommandContext, s: StagedImport): void {
  dropPublish(ctx.db, s.kind as SeriesKind, s.generation!);
}
