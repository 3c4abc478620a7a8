// Deterministic JSON, the input of every hash the product computes (journal chain, cycle fingerprints).
// The same value always gives the same bytes, on any machine, in Node or in the browser (no Node imports here).
//
// Rules:
// - object keys sorted by UTF-16 code unit (JavaScript's default string order), no whitespace anywhere;
// - bigint rendered as a JSON string of its decimal digits ("123", "-5"): amounts stay exact at the boundary;
// - an object property whose value is undefined is omitted (as JSON.stringify does);
// - undefined (at the top or as an array element), functions, symbols, NaN and +-Infinity are refused (TypeError);
// - a value with a toJSON() method (Date, decimal.js Decimal) is replaced by what toJSON returns;
// - only plain objects (prototype Object.prototype or null) and arrays are walked: a Map, Set, typed array or
//   class instance without toJSON is refused rather than silently turned into "{}";
// - cycles are refused;
// - numbers are written as JSON.stringify writes them (-0 as 0). Amounts should be bigint or decimal strings.

export class CanonicalJsonError extends TypeError {
  readonly path: string;
  constructor(path: string, message: string) {
    super(`canonicalJson: ${message} at ${path}`);
    this.name = 'CanonicalJsonError';
    this.path = path;
  }
}

export function canonicalJson(value: unknown): string {
  try {
    const out = write(value, '', []);
    if (out === undefined) throw new Refusal('undefined is not JSON');
    return out;
  } catch (e) {
    if (e instanceof Refusal) throw new CanonicalJsonError(pathOf(e.keys), e.reason);
    throw e;
  }
}

/**
 * A value the rules refuse, on its way up to canonicalJson: each level it passes adds its key, so the path is
 * built only when there is an error. Building it for every value (and keeping a trail of keys) cost more than
 * the serialisation, and a journal entry is written on the path from a price tick to its margin call.
 */
class Refusal {
  readonly reason: string;
  /** Keys from the refused value up to the root (innermost first). */
  readonly keys: (string | number)[] = [];
  constructor(reason: string) {
    this.reason = reason;
  }
}

function pathOf(innermostFirst: (string | number)[]): string {
  let path = '$';
  for (let i = innermostFirst.length - 1; i >= 0; i--) {
    const k = innermostFirst[i]!;
    if (typeof k === 'number') path += `[${k}]`;
    else path += /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
  }
  return path;
}

/** Characters JSON.stringify would escape: quote, backslash, controls, and surrogates (escaped when lone). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify of a string, without the call into the runtime for the common string that needs no escape. */
function quote(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

/** The child at `key` of a container, with the key added to the path of a refusal coming up from it. */
function child(value: unknown, key: string | number, objects: object[]): string | undefined {
  try {
    return write(value, key, objects);
  } catch (e) {
    if (e instanceof Refusal) e.keys.push(key);
    throw e;
  }
}

/**
 * Returns undefined for a value that is omitted when it is an object property (undefined). `objects` holds the
 * containers above the value, for the cycle check.
 */
function write(value: unknown, key: string | number, objects: object[]): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return quote(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new Refusal(`non-finite number ${String(value)}`);
      // Number-to-string is the algorithm JSON.stringify uses for a finite number (-0 too gives "0").
      return String(value);
    case 'bigint':
      return `"${value.toString()}"`;
    case 'function':
    case 'symbol':
      throw new Refusal(`a ${typeof value} is not JSON`);
    case 'object':
      break;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (objects.includes(obj)) throw new Refusal('cyclic structure');

  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const replaced: unknown = toJSON.call(obj, String(key));
    objects.push(obj);
    const s = write(replaced, key, objects);
    objects.pop();
    return s;
  }

  objects.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = '[';
    for (let i = 0; i < obj.length; i++) {
      const s = child(obj[i], i, objects);
      if (s === undefined) {
        const r = new Refusal('undefined array element');
        r.keys.push(i);
        throw r;
      }
      out += i === 0 ? s : `,${s}`;
    }
    out += ']';
  } else {
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const name = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new Refusal(`a ${name} is not a plain object`);
    }
    const record = obj as Record<string, unknown>;
    // Default sort compares UTF-16 code units, which is the order the rules ask for.
    const keys = Object.keys(record).sort();
    out = '{';
    for (const k of keys) {
      const s = child(record[k], k, objects);
      if (s === undefined) continue;
      out += `${out.length === 1 ? '' : ','}${quote(k)}:${s}`;
    }
    out += '}';
  }
  objects.pop();
  return out;
}
