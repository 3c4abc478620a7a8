// How an import's file is kept in its journal entry, which is all verify --deep needs to replay it: beside the file's
// sha256, the text itself, or for a large file the text brotli-compressed (base64). A million-row prices file is 50 MB
// of text that the entry's JSON, its hash and its row would each have gone through again with the ledger's write lock
// held (a second of the 3.4 s measured by bench:import-lock); compressed it is 1.6 MB, and the compressing is done
// while the file is staged, before the lock. A replay decompresses it, checks the sha256, and records the very bytes the
// entry holds (never compresses again: another brotli build may choose other bytes for the same text).
import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants } from 'node:zlib';

/** Files longer than this (in UTF-16 code units) are recorded compressed; shorter ones stay readable in the entry. */
export const COMPRESS_OVER = 1 << 20;

/** Quality 5 of 11: as fast as deflate's default and half its size on price files (1M rows: 0.85 s, 50 MB -> 1.2 MB). */
const QUALITY = 5;

/** The file as its entry records it. */
export type FileRecord = { sha256: string; text: string } | { sha256: string; brotli: string };

export function recordFile(text: string): FileRecord {
  const sha256 = createHash('sha256').update(text).digest('hex');
  if (text.length <= COMPRESS_OVER) return { sha256, text };
  const brotli = brotliCompressSync(Buffer.from(text, 'utf8'), {
    params: { [constants.BROTLI_PARAM_QUALITY]: QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: text.length },
  }).toString('base64');
  return { sha256, brotli };
}

/** The text an entry's record holds (null: it holds none, only the sha256). */
export function recordedText(payload: { text?: unknown; brotli?: unknown }): string | null {
  if (typeof payload.text === 'string') return payload.text;
  if (typeof payload.brotli !== 'string') return null;
  return brotliDecompressSync(Buffer.from(payload.brotli, 'base64')).toString('utf8');
}
