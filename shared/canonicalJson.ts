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
  const out = write(value, '$', '', []);
  if (out === undefined) throw new CanonicalJsonError('$', 'undefined is not JSON');
  return out;
}

function keyPath(path: string, key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Returns undefined for a value that is omitted when it is an object property (undefined). */
function write(value: unknown, path: string, key: string, stack: object[]): string | undefined {
  switch (typeof value) {
    case 'undefined':
      return undefined;
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(path, `non-finite number ${String(value)}`);
      return JSON.stringify(value);
    case 'bigint':
      return `"${value.toString()}"`;
    case 'function':
    case 'symbol':
      throw new CanonicalJsonError(path, `a ${typeof value} is not JSON`);
    case 'object':
      break;
  }
  if (value === null) return 'null';
  const obj = value as object;
  if (stack.includes(obj)) throw new CanonicalJsonError(path, 'cyclic structure');

  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const replaced: unknown = toJSON.call(obj, key);
    stack.push(obj);
    try {
      return write(replaced, path, key, stack);
    } finally {
      stack.pop();
    }
  }

  stack.push(obj);
  try {
    if (Array.isArray(obj)) {
      const parts: string[] = [];
      for (let i = 0; i < obj.length; i++) {
        const p = `${path}[${i}]`;
        const s = write(obj[i], p, String(i), stack);
        if (s === undefined) throw new CanonicalJsonError(p, 'undefined array element');
        parts.push(s);
      }
      return `[${parts.join(',')}]`;
    }
    const proto: unknown = Object.getPrototypeOf(obj);
    if (proto !== Object.prototype && proto !== null) {
      const name = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new CanonicalJsonError(path, `a ${name} is not a plain object`);
    }
    const record = obj as Record<string, unknown>;
    // Default sort compares UTF-16 code units, which is the order the rules ask for.
    const keys = Object.keys(record).sort();
    const parts: string[] = [];
    for (const k of keys) {
      const s = write(record[k], keyPath(path, k), k, stack);
      if (s === undefined) continue;
      parts.push(`${JSON.stringify(k)}:${s}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    stack.pop();
  }
}
