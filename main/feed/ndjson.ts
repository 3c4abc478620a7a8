// NDJSON marks, one `{"instrument","price","time"}` object per line (or a funding-rate mark,
// `{"instrument","fundingRate","fundingTime","time"}`), from any byte stream (stdin, a file being
// appended, a socket). Lines are numbered from 1 per stream; a bad line is reported with its number and why, and
// the stream goes on. A line longer than the bound is refused without being held whole.
import { StringDecoder } from 'node:string_decoder';
import { checkMark, checkRateMark, isRateLine, type Mark, type RateMark } from './mark.ts';

/** Longer lines are refused: a mark is well under 200 bytes. */
export const MAX_LINE_BYTES = 64 * 1024;

export type LineOutcome = { ok: true; line: number; mark: Mark } | { ok: true; line: number; rate: RateMark } | { ok: false; line: number; error: string };

/** One line of text as a mark, or the reason it is not one. Blank lines are skipped (null). */
export function parseMarkLine(text: string, line: number): LineOutcome | null {
  const s = text.endsWith('\r') ? text.slice(0, -1) : text;
  if (s.trim() === '') return null;
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch (e) {
    return { ok: false, line, error: `not valid JSON (${(e as Error).message})` };
  }
  if (isRateLine(v)) {
    const r = checkRateMark(v);
    return r.ok ? { ok: true, line, rate: r.rate } : { ok: false, line, error: r.error };
  }
  const r = checkMark(v);
  return r.ok ? { ok: true, line, mark: r.mark } : { ok: false, line, error: r.error };
}

/**
 * Splits a byte stream into numbered lines and parses each. Chunks may cut a line (or a UTF-8 character)
 * anywhere; `end()` parses a last line without its newline.
 */
export class NdjsonMarks {
  readonly #decoder = new StringDecoder('utf8');
  readonly #out: (o: LineOutcome) => void;
  #partial = '';
  #line = 0;
  /** The current line is over the bound: drop the rest of it up to its newline. */
  #skipping = false;

  constructor(out: (o: LineOutcome) => void) {
    this.#out = out;
  }

  /** Lines seen so far (complete ones). */
  get lines(): number {
    return this.#line;
  }

  write(chunk: Buffer | string): void {
    let text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    for (;;) {
      const nl = text.indexOf('\n');
      if (nl === -1) break;
      const piece = text.slice(0, nl);
      text = text.slice(nl + 1);
      this.#line++;
      if (this.#skipping) {
        this.#skipping = false;
        continue;
      }
      this.#emit(this.#partial + piece);
      this.#partial = '';
    }
    if (this.#skipping) return;
    this.#partial += text;
    if (Buffer.byteLength(this.#partial) > MAX_LINE_BYTES) {
      this.#out({ ok: false, line: this.#line + 1, error: `line longer than ${MAX_LINE_BYTES} bytes: not a mark` });
      this.#partial = '';
      this.#skipping = true;
    }
  }

  end(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (this.#skipping || rest === '') return;
    this.#line++;
    this.#emit(rest);
  }

  #emit(text: string): void {
    if (Buffer.byteLength(text) > MAX_LINE_BYTES) {
      this.#out({ ok: false, line: this.#line, error: `line longer than ${MAX_LINE_BYTES} bytes: not a mark` });
      return;
    }
    const o = parseMarkLine(text, this.#line);
    if (o) this.#out(o);
  }
}
