// A CSV file's bytes as text, strictly UTF-8 (a UTF-8 byte-order mark is allowed and dropped). Read loosely, a Latin-1
// name turns into U+FFFD and is stored that way; a UTF-16 file looks like an unknown column. Instead the file is
// refused naming the row of the first bad byte, and a file in UTF-16 or Latin-1 / Windows-1252 is named as such, with
// the command that converts it.

import { InputError } from '../../shared/errors.ts';

const convert = (from: string, file: string) => `convert it to UTF-8 first, e.g. iconv -f ${from} -t UTF-8 '${file}' > '${file.replace(/\.csv$/i, '')}.utf8.csv'`;

/** The offset of the first byte that is not part of well-formed UTF-8, or -1 when all of it is. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let min: number;
    if (c >= 0xc2 && c <= 0xdf) [n, min] = [1, 0x80];
    else if (c >= 0xe0 && c <= 0xef) [n, min] = [2, 0x800];
    else if (c >= 0xf0 && c <= 0xf4) [n, min] = [3, 0x10000];
    else return i;
    let cp = c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const cc = b[i + k];
      if (cc === undefined || (cc & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return i;
    i += n + 1;
  }
  return -1;
}

/** UTF-16 without a byte-order mark: ASCII text with a NUL beside nearly every character. */
function looksUtf16(b: Uint8Array): 'LE' | 'BE' | null {
  const n = Math.min(b.length - (b.length % 2), 4096);
  if (n < 4) return null;
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (b[i] === 0) evenNul++;
    if (b[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  if (oddNul > pairs * 0.4 && evenNul < pairs * 0.05) return 'LE';
  if (evenNul > pairs * 0.4 && oddNul < pairs * 0.05) return 'BE';
  return null;
}

/** The data row of a byte offset (the header is row 0, as every CSV refusal counts). */
function rowAt(b: Uint8Array, offset: number): number {
  let row = 0;
  for (let i = 0; i < offset; i++) if (b[i] === 0x0a) row++;
  return row;
}

export function decodeCsv(bytes: Uint8Array, file: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) throw new InputError(`the file is UTF-16 (little-endian, it starts with its byte-order mark), not UTF-8: ${convert('UTF-16', file)}`, { file });
  if (bytes[0] === 0xfe && bytes[1] === 0xff) throw new InputError(`the file is UTF-16 (big-endian, it starts with its byte-order mark), not UTF-8: ${convert('UTF-16', file)}`, { file });
  const utf16 = looksUtf16(bytes);
  if (utf16) throw new InputError(`the file looks like UTF-16 (${utf16 === 'LE' ? 'little' : 'big'}-endian, a NUL byte beside each character), not UTF-8: ${convert(`UTF-16${utf16}`, file)}`, { file });
  const bad = firstInvalidUtf8(bytes);
  if (bad !== -1) {
    const byte = bytes[bad]!.toString(16).toUpperCase().padStart(2, '0');
    // A lone byte from 0xA0 up where a UTF-8 sequence should start is how Latin-1 and Windows-1252 write é, ü, ñ ...
    const latin = bytes[bad]! >= 0x80;
    const hint = latin ? `; the file looks like Latin-1 or Windows-1252, not UTF-8: ${convert('WINDOWS-1252', file)}` : '';
    throw new InputError(`byte 0x${byte} at offset ${bad} is not UTF-8${hint}`, { file, row: rowAt(bytes, bad) });
  }
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start));
}

/**
 * The same checks on text a door has already decoded (the console reads the file in the browser, which turns bad bytes
 * into U+FFFD and reads UTF-16 as NULs beside each letter): the encoding named, the row of the first damage given.
 */
export function checkDecodedCsv(text: string, file: string): void {
  const head = text.slice(0, 4096);
  const nuls = head.length - head.replaceAll('\u0000', '').length;
  // A NUL beside every other character is UTF-16; a stray one is the cell's problem (named with its column).
  const nul = nuls * 4 >= head.length && nuls > 0 ? text.indexOf('\u0000') : -1;
  if (nul !== -1) throw new InputError(`the file holds NUL characters, as a UTF-16 file read as UTF-8 does: ${convert('UTF-16', file)}`, { file, row: rowOfText(text, nul) });
  const lost = text.indexOf('\ufffd');
  if (lost !== -1) {
    throw new InputError(`a byte of the file could not be read as UTF-8 (it became U+FFFD); the file is probably Latin-1 or Windows-1252: ${convert('WINDOWS-1252', file)}`, {
      file,
      row: rowOfText(text, lost),
    });
  }
}

function rowOfText(text: string, index: number): number {
  let row = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) row++;
  return row;
}
