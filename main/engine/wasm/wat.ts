// A small assembler for the subset of the WebAssembly text format that kernel.wat uses, so the kernel's source is
// readable text and no external toolchain is needed. Supported:
// - a module of: one imported memory (optionally `shared`), and functions with named params, an optional result,
//   named locals and an optional inline (export "name");
// - instructions in flat form (`block $l ... end`, `if ... else ... end`) and folded form
//   (`(i64.add (local.get $a) (local.get $b))`, `(if (result i64) (cond) (then ...) (else ...))`);
// - numeric (i32/i64/f64) instructions, loads and stores with offset=/align=, locals, calls, br/br_if/return,
//   select, drop. Labels and locals by $name (or index). Comments: `;; ...` and `(; ... ;)`.
// Anything else is refused with an error naming the token, never silently encoded.

type Tok = string | { str: string };
type SExpr = Tok | SExpr[];

const VALTYPE: Record<string, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c };

/** Opcodes that take no immediate. */
const PLAIN: Record<string, number> = {
  unreachable: 0x00, nop: 0x01, return: 0x0f, drop: 0x1a, select: 0x1b,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'i64.eqz': 0x50, 'i64.eq': 0x51, 'i64.ne': 0x52, 'i64.lt_s': 0x53, 'i64.lt_u': 0x54, 'i64.gt_s': 0x55,
  'i64.gt_u': 0x56, 'i64.le_s': 0x57, 'i64.le_u': 0x58, 'i64.ge_s': 0x59, 'i64.ge_u': 0x5a,
  'f64.eq': 0x61, 'f64.ne': 0x62, 'f64.lt': 0x63, 'f64.gt': 0x64, 'f64.le': 0x65, 'f64.ge': 0x66,
  'i32.clz': 0x67, 'i32.ctz': 0x68, 'i32.popcnt': 0x69, 'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.mul': 0x6c,
  'i32.div_s': 0x6d, 'i32.div_u': 0x6e, 'i32.rem_s': 0x6f, 'i32.rem_u': 0x70, 'i32.and': 0x71, 'i32.or': 0x72,
  'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_s': 0x75, 'i32.shr_u': 0x76, 'i32.rotl': 0x77, 'i32.rotr': 0x78,
  'i64.clz': 0x79, 'i64.ctz': 0x7a, 'i64.popcnt': 0x7b, 'i64.add': 0x7c, 'i64.sub': 0x7d, 'i64.mul': 0x7e,
  'i64.div_s': 0x7f, 'i64.div_u': 0x80, 'i64.rem_s': 0x81, 'i64.rem_u': 0x82, 'i64.and': 0x83, 'i64.or': 0x84,
  'i64.xor': 0x85, 'i64.shl': 0x86, 'i64.shr_s': 0x87, 'i64.shr_u': 0x88, 'i64.rotl': 0x89, 'i64.rotr': 0x8a,
  'f64.abs': 0x99, 'f64.neg': 0x9a, 'f64.ceil': 0x9b, 'f64.floor': 0x9c, 'f64.trunc': 0x9d, 'f64.nearest': 0x9e,
  'f64.sqrt': 0x9f, 'f64.add': 0xa0, 'f64.sub': 0xa1, 'f64.mul': 0xa2, 'f64.div': 0xa3, 'f64.min': 0xa4,
  'f64.max': 0xa5, 'f64.copysign': 0xa6,
  'i32.wrap_i64': 0xa7, 'i32.trunc_f64_s': 0xaa, 'i32.trunc_f64_u': 0xab, 'i64.extend_i32_s': 0xac,
  'i64.extend_i32_u': 0xad, 'i64.trunc_f64_s': 0xb0, 'i64.trunc_f64_u': 0xb1, 'f64.convert_i32_s': 0xb7,
  'f64.convert_i32_u': 0xb8, 'f64.convert_i64_s': 0xb9, 'f64.convert_i64_u': 0xba, 'i64.reinterpret_f64': 0xbd,
  'f64.reinterpret_i64': 0xbf,
};

/** Loads and stores: opcode and natural alignment (log2 bytes). */
const MEMOP: Record<string, [number, number]> = {
  'i32.load': [0x28, 2], 'i64.load': [0x29, 3], 'f64.load': [0x2b, 3],
  'i32.load8_s': [0x2c, 0], 'i32.load8_u': [0x2d, 0], 'i32.load16_s': [0x2e, 1], 'i32.load16_u': [0x2f, 1],
  'i64.load8_s': [0x30, 0], 'i64.load8_u': [0x31, 0], 'i64.load32_s': [0x34, 2], 'i64.load32_u': [0x35, 2],
  'i32.store': [0x36, 2], 'i64.store': [0x37, 3], 'f64.store': [0x39, 3], 'i32.store8': [0x3a, 0],
  'i32.store16': [0x3b, 1], 'i64.store8': [0x3c, 0], 'i64.store32': [0x3e, 2],
};

export class WatError extends Error {}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ';' && src[i + 1] === ';') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === '(' && src[i + 1] === ';') {
      let depth = 0;
      do {
        if (src.startsWith('(;', i)) {
          depth++;
          i += 2;
        } else if (src.startsWith(';)', i)) {
          depth--;
          i += 2;
        }
        else if (++i > src.length) throw new WatError('unterminated block comment');
      } while (depth > 0);
    } else if (c === '(' || c === ')') {
      toks.push(c);
      i++;
    } else if (c === '"') {
      const j = src.indexOf('"', i + 1);
      if (j < 0) throw new WatError('unterminated string');
      toks.push({ str: src.slice(i + 1, j) });
      i = j + 1;
    } else if (/\s/.test(c)) {
      i++;
    } else {
      let j = i;
      while (j < src.length && !/[\s()";]/.test(src[j]!)) j++;
      toks.push(src.slice(i, j));
      i = j;
    }
  }
  return toks;
}

function parse(toks: Tok[]): SExpr[] {
  const stack: SExpr[][] = [[]];
  for (const t of toks) {
    if (t === '(') stack.push([]);
    else if (t === ')') {
      const done = stack.pop();
      if (!done || stack.length === 0) throw new WatError('unbalanced )');
      stack[stack.length - 1]!.push(done);
    } else stack[stack.length - 1]!.push(t);
  }
  if (stack.length !== 1) throw new WatError('unbalanced (');
  return stack[0]!;
}

// ---- binary encoding

function uleb(n: number | bigint, out: number[]): void {
  let v = BigInt(n);
  if (v < 0n) throw new WatError(`negative unsigned immediate ${n}`);
  do {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? b : b | 0x80);
  } while (v !== 0n);
}

function sleb(n: bigint, out: number[]): void {
  let v = n;
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n; // arithmetic shift on bigint
    const done = (v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return;
  }
}

function name(s: string, out: number[]): void {
  const b = new TextEncoder().encode(s);
  uleb(b.length, out);
  out.push(...b);
}

function section(id: number, body: number[], out: number[]): void {
  out.push(id);
  uleb(body.length, out);
  out.push(...body);
}

function parseInt64(t: string, bits: 32 | 64): bigint {
  const s = t.replace(/_/g, '');
  const neg = s.startsWith('-');
  const mag = neg || s.startsWith('+') ? s.slice(1) : s;
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(mag)) throw new WatError(`bad integer ${t}`);
  let v = BigInt(mag);
  if (neg) v = -v;
  // Accept both the signed and the unsigned spelling of a bit pattern; encode as signed.
  const lim = 1n << BigInt(bits);
  if (v < -(lim >> 1n) || v >= lim) throw new WatError(`integer ${t} out of range for i${bits}`);
  return BigInt.asIntN(bits, v);
}

function parseF64(t: string): number {
  const s = t.replace(/_/g, '');
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  if (s === 'nan') return NaN;
  const v = Number(s);
  if (Number.isNaN(v)) throw new WatError(`bad float ${t}`);
  return v;
}

const isAtom = (x: SExpr | undefined): x is string => typeof x === 'string';
const isList = (x: SExpr | undefined): x is SExpr[] => Array.isArray(x);
const head = (x: SExpr | undefined): string | undefined => (isList(x) && isAtom(x[0]) ? x[0] : undefined);
const strOf = (x: SExpr | undefined, what: string): string => {
  if (x && !isList(x) && typeof x === 'object') return x.str;
  throw new WatError(`expected a string for ${what}`);
};

interface FuncDecl {
  name: string | undefined;
  exportName: string | undefined;
  params: { name: string | undefined; type: string }[];
  result: string | undefined;
  locals: { name: string | undefined; type: string }[];
  body: SExpr[];
}

class FuncEmitter {
  readonly code: number[] = [];
  private readonly labels: (string | undefined)[] = [];
  private readonly localIndex = new Map<string, number>();
  private readonly f: FuncDecl;
  private readonly funcIndex: Map<string, number>;

  constructor(f: FuncDecl, funcIndex: Map<string, number>) {
    this.f = f;
    this.funcIndex = funcIndex;
    [...f.params, ...f.locals].forEach((l, i) => {
      if (l.name) this.localIndex.set(l.name, i);
    });
  }

  private where(): string {
    return `in func ${this.f.name ?? '?'}`;
  }

  private local(t: SExpr | undefined): number {
    if (!isAtom(t)) throw new WatError(`expected a local ${this.where()}`);
    if (t.startsWith('$')) {
      const i = this.localIndex.get(t);
      if (i === undefined) throw new WatError(`unknown local ${t} ${this.where()}`);
      return i;
    }
    return Number(parseInt64(t, 32));
  }

  private label(t: SExpr | undefined): number {
    if (!isAtom(t)) throw new WatError(`expected a label ${this.where()}`);
    if (t.startsWith('$')) {
      const i = this.labels.lastIndexOf(t);
      if (i < 0) throw new WatError(`unknown label ${t} ${this.where()}`);
      return this.labels.length - 1 - i;
    }
    return Number(parseInt64(t, 32));
  }

  /** Block header: optional $label and (result t); returns how many items it consumed. */
  private blockHeader(items: SExpr[], k: number): number {
    let n = 0;
    let label: string | undefined;
    if (isAtom(items[k]) && items[k].startsWith('$')) {
      label = items[k];
      n++;
    }
    const r = items[k + n];
    if (head(r) === 'result') {
      const t = (r as SExpr[])[1];
      if (!isAtom(t) || VALTYPE[t] === undefined) throw new WatError(`bad block result ${this.where()}`);
      this.code.push(VALTYPE[t]!);
      n++;
    } else this.code.push(0x40);
    this.labels.push(label);
    return n;
  }

  /** Emits a sequence of instructions (flat and folded mixed). */
  seq(items: SExpr[]): void {
    let k = 0;
    while (k < items.length) {
      const it = items[k++]!;
      if (isList(it)) {
        this.folded(it);
        continue;
      }
      if (!isAtom(it)) throw new WatError(`unexpected string ${this.where()}`);
      switch (it) {
        case 'block':
        case 'loop':
        case 'if':
          this.code.push(it === 'block' ? 0x02 : it === 'loop' ? 0x03 : 0x04);
          k += this.blockHeader(items, k);
          break;
        case 'else':
          this.code.push(0x05);
          if (isAtom(items[k]) && (items[k] as string).startsWith('$')) k++;
          break;
        case 'end':
          this.code.push(0x0b);
          this.labels.pop();
          if (isAtom(items[k]) && (items[k] as string).startsWith('$')) k++;
          break;
        default:
          k += this.op(it, items, k);
      }
    }
  }

  /** One non-structured instruction whose immediates start at items[k]; returns how many it consumed. */
  private op(op: string, items: SExpr[], k: number): number {
    const c = this.code;
    const plain = PLAIN[op];
    if (plain !== undefined) {
      c.push(plain);
      return 0;
    }
    const mem = MEMOP[op];
    if (mem !== undefined) {
      let offset = 0;
      let align = mem[1];
      let n = 0;
      for (;;) {
        const t = items[k + n];
        if (isAtom(t) && t.startsWith('offset=')) offset = Number(parseInt64(t.slice(7), 32) & 0xffffffffn);
        else if (isAtom(t) && t.startsWith('align=')) align = Math.log2(Number(t.slice(6)));
        else break;
        n++;
      }
      if (!Number.isInteger(align) || align > mem[1]) throw new WatError(`bad alignment for ${op} ${this.where()}`);
      c.push(mem[0]);
      uleb(align, c);
      uleb(offset, c);
      return n;
    }
    switch (op) {
      case 'local.get':
      case 'local.set':
      case 'local.tee':
        c.push(op === 'local.get' ? 0x20 : op === 'local.set' ? 0x21 : 0x22);
        uleb(this.local(items[k]), c);
        return 1;
      case 'br':
      case 'br_if':
        c.push(op === 'br' ? 0x0c : 0x0d);
        uleb(this.label(items[k]), c);
        return 1;
      case 'call': {
        const t = items[k];
        const idx = isAtom(t) ? (t.startsWith('$') ? this.funcIndex.get(t) : Number(t)) : undefined;
        if (idx === undefined || Number.isNaN(idx)) throw new WatError(`unknown function ${isAtom(t) ? t : JSON.stringify(t)} ${this.where()}`);
        c.push(0x10);
        uleb(idx, c);
        return 1;
      }
      case 'i32.const':
      case 'i64.const': {
        const t = items[k];
        if (!isAtom(t)) throw new WatError(`${op} needs a number ${this.where()}`);
        c.push(op === 'i32.const' ? 0x41 : 0x42);
        sleb(parseInt64(t, op === 'i32.const' ? 32 : 64), c);
        return 1;
      }
      case 'f64.const': {
        const t = items[k];
        if (!isAtom(t)) throw new WatError(`${op} needs a number ${this.where()}`);
        c.push(0x44);
        const b = new Uint8Array(new Float64Array([parseF64(t)]).buffer);
        c.push(...b);
        return 1;
      }
      default:
        throw new WatError(`unsupported instruction ${op} ${this.where()}`);
    }
  }

  private folded(e: SExpr[]): void {
    const op = e[0];
    if (!isAtom(op)) throw new WatError(`expected an instruction ${this.where()}`);
    if (op === 'block' || op === 'loop') {
      this.code.push(op === 'block' ? 0x02 : 0x03);
      const n = this.blockHeader(e, 1);
      this.seq(e.slice(1 + n));
      this.code.push(0x0b);
      this.labels.pop();
      return;
    }
    if (op === 'if') {
      // (if $l? (result t)? cond* (then ...) (else ...)?): the condition is emitted before the `if`.
      let k = 1;
      let labelTok: string | undefined;
      if (isAtom(e[k]) && (e[k] as string).startsWith('$')) labelTok = e[k++] as string;
      let resultTok: SExpr | undefined;
      if (head(e[k]) === 'result') resultTok = e[k++];
      const rest = e.slice(k);
      const thenAt = rest.findIndex((x) => head(x) === 'then');
      if (thenAt < 0) throw new WatError(`folded if without (then ...) ${this.where()}`);
      this.seq(rest.slice(0, thenAt));
      this.code.push(0x04);
      this.blockHeader([...(labelTok ? [labelTok] : []), ...(resultTok ? [resultTok] : [])], 0);
      this.seq((rest[thenAt] as SExpr[]).slice(1));
      const els = rest[thenAt + 1];
      if (head(els) === 'else') {
        this.code.push(0x05);
        this.seq((els as SExpr[]).slice(1));
      } else if (els !== undefined) throw new WatError(`unexpected item after (then ...) ${this.where()}`);
      this.code.push(0x0b);
      this.labels.pop();
      return;
    }
    // (op immediates... operands...): the operands (lists) first, then the op with its immediates.
    let k = 1;
    while (k < e.length && !isList(e[k])) k++;
    this.seq(e.slice(k));
    const used = this.op(op, e, 1);
    if (used !== k - 1) throw new WatError(`wrong immediates for ${op} ${this.where()}`);
  }
}

function parseFunc(f: SExpr[]): FuncDecl {
  const d: FuncDecl = { name: undefined, exportName: undefined, params: [], result: undefined, locals: [], body: [] };
  let k = 1;
  if (isAtom(f[k]) && (f[k] as string).startsWith('$')) d.name = f[k++] as string;
  for (; k < f.length; k++) {
    const h = head(f[k]);
    const x = f[k] as SExpr[];
    if (h === 'export') d.exportName = strOf(x[1], 'export');
    else if (h === 'param' || h === 'local') {
      const list = h === 'param' ? d.params : d.locals;
      const named = isAtom(x[1]) && x[1].startsWith('$');
      const types = named ? [x[2]] : x.slice(1);
      for (const t of types) {
        if (!isAtom(t) || VALTYPE[t] === undefined) throw new WatError(`bad ${h} type in func ${d.name ?? '?'}`);
        list.push({ name: named ? (x[1] as string) : undefined, type: t });
      }
    } else if (h === 'result') {
      const t = x[1];
      if (!isAtom(t) || VALTYPE[t] === undefined || x.length !== 2) throw new WatError(`bad result in func ${d.name ?? '?'}`);
      d.result = t;
    } else break;
  }
  d.body = f.slice(k);
  return d;
}

/** Assembles the text of a module into its binary form. */
export function assemble(src: string): Uint8Array<ArrayBuffer> {
  const top = parse(tokenize(src));
  if (top.length !== 1 || head(top[0]) !== 'module') throw new WatError('expected one (module ...)');
  const fields = (top[0] as SExpr[]).slice(1);
  const imports: number[] = [];
  let nImports = 0;
  const funcs: FuncDecl[] = [];
  for (const f of fields) {
    const h = head(f);
    const x = f as SExpr[];
    if (h === 'import') {
      const mem = x[3] as SExpr[];
      if (head(mem) !== 'memory') throw new WatError('only memory imports are supported');
      let k = 1;
      if (isAtom(mem[k]) && (mem[k] as string).startsWith('$')) k++;
      const nums = mem.slice(k).filter((t) => isAtom(t) && t !== 'shared') as string[];
      const shared = mem.includes('shared');
      name(strOf(x[1], 'import module'), imports);
      name(strOf(x[2], 'import name'), imports);
      imports.push(0x02, shared ? 0x03 : nums.length > 1 ? 0x01 : 0x00);
      if (shared && nums.length < 2) throw new WatError('a shared memory needs a maximum');
      for (const n of nums) uleb(Number(n), imports);
      nImports++;
    } else if (h === 'func') funcs.push(parseFunc(x));
    else throw new WatError(`unsupported module field ${String(h)}`);
  }

  const funcIndex = new Map<string, number>();
  funcs.forEach((f, i) => f.name && funcIndex.set(f.name, i));

  // Types: one per distinct signature.
  const sigs: string[] = [];
  const typeOf = funcs.map((f) => {
    const sig = `${f.params.map((p) => p.type).join(',')}->${f.result ?? ''}`;
    let i = sigs.indexOf(sig);
    if (i < 0) i = sigs.push(sig) - 1;
    return i;
  });
  const types: number[] = [];
  uleb(sigs.length, types);
  for (const s of sigs) {
    const [ps, r] = s.split('->') as [string, string];
    const params = ps ? ps.split(',') : [];
    types.push(0x60);
    uleb(params.length, types);
    for (const p of params) types.push(VALTYPE[p]!);
    if (r) types.push(1, VALTYPE[r]!);
    else types.push(0);
  }

  const fsec: number[] = [];
  uleb(funcs.length, fsec);
  for (const t of typeOf) uleb(t, fsec);

  const exps = funcs.map((f, i) => [f, i] as const).filter(([f]) => f.exportName !== undefined);
  const esec: number[] = [];
  uleb(exps.length, esec);
  for (const [f, i] of exps) {
    name(f.exportName!, esec);
    esec.push(0x00);
    uleb(i, esec);
  }

  const csec: number[] = [];
  uleb(funcs.length, csec);
  for (const f of funcs) {
    const body: number[] = [];
    // Locals, run-length encoded by type.
    const runs: [number, string][] = [];
    for (const l of f.locals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === l.type) last[0]++;
      else runs.push([1, l.type]);
    }
    uleb(runs.length, body);
    for (const [n, t] of runs) {
      uleb(n, body);
      body.push(VALTYPE[t]!);
    }
    const em = new FuncEmitter(f, funcIndex);
    em.seq(f.body);
    body.push(...em.code, 0x0b);
    uleb(body.length, csec);
    csec.push(...body);
  }

  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  section(1, types, out);
  if (nImports > 0) {
    const isec: number[] = [];
    uleb(nImports, isec);
    isec.push(...imports);
    section(2, isec, out);
  }
  section(3, fsec, out);
  section(7, esec, out);
  section(10, csec, out);
  return new Uint8Array(out);
}
