// Characters that make text show other than it is: C0 and C1 controls (NUL; ESC, which starts the ANSI sequences that
// recolour, move or retitle a terminal), DEL, the line and paragraph separators, the bidi embeddings, overrides and
// isolates that reorder what is displayed ("Trojan Source"), and U+FFFD, which is what a byte of a file read in the
// wrong encoding became. Refused in ids, names, reasons and notes; escaped wherever text is printed to a terminal.
// No Node imports: the schemas (and so the renderer) use it too.

const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufffd]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
const TAB_OR_NEWLINE = /[\t\n\r]/u;

const NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x1b: 'ESC, which starts a terminal escape sequence',
  0x7f: 'DEL',
  0x2028: 'LINE SEPARATOR',
  0x2029: 'PARAGRAPH SEPARATOR',
  0x061c: 'ARABIC LETTER MARK, a bidi control',
  0x200e: 'LEFT-TO-RIGHT MARK, a bidi control',
  0x200f: 'RIGHT-TO-LEFT MARK, a bidi control',
  0x202a: 'LEFT-TO-RIGHT EMBEDDING, a bidi control',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING, a bidi control',
  0x202c: 'POP DIRECTIONAL FORMATTING, a bidi control',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE, a bidi control',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE, a bidi control',
  0x2066: 'LEFT-TO-RIGHT ISOLATE, a bidi control',
  0x2067: 'RIGHT-TO-LEFT ISOLATE, a bidi control',
  0x2068: 'FIRST STRONG ISOLATE, a bidi control',
  0x2069: 'POP DIRECTIONAL ISOLATE, a bidi control',
  0xfffd: 'the REPLACEMENT CHARACTER, what a byte read in the wrong encoding becomes (is the file UTF-8?)',
};

const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

function describeChar(cp: number): string {
  const name = NAMES[cp] ?? (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) ? 'a control character' : 'an invisible formatting character');
  return `${hex(cp)} (${name})`;
}

/**
 * Why `s` may not be stored as an id, a name, a reason or a note, or null when it may. A tab or a line break is
 * allowed only where `multiline` says so (notes and reasons).
 */
export function unsafeTextProblem(s: string, multiline = false): string | null {
  let i = 0;
  for (const ch of s) {
    i++;
    if ((UNSAFE.test(ch) && !(multiline && TAB_OR_NEWLINE.test(ch))) || (!multiline && TAB_OR_NEWLINE.test(ch))) {
      return `character ${i} is ${describeChar(ch.codePointAt(0)!)}: control and bidi characters are refused`;
    }
  }
  return null;
}

/** `s` with every unsafe character shown as <U+XXXX>, so that a terminal prints what is there instead of obeying it. */
export function escapeUnsafe(s: string): string {
  return s.replace(UNSAFE_ALL, (ch) => `<${hex(ch.codePointAt(0)!)}>`);
}

/** JSON text with every unsafe character written as its \u escape (still the same JSON value, now safe to print). */
export function escapeUnsafeJson(json: string): string {
  return json.replace(UNSAFE_ALL, (ch) => `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

/** Input as a message quotes it: at most `max` characters (then how long it was), unsafe characters escaped. */
export function forMessage(s: string, max = 60): string {
  const chars = [...s];
  const short = chars.length > max ? `${chars.slice(0, max).join('')}... (${chars.length} characters)` : s;
  return escapeUnsafe(short);
}
