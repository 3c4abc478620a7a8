// Checks a value against a TypeScript type as the compiler reads it: the contract declares each command's output as a
// type (shared/command.ts `returns<T>()`), and this reads OutputOf<channel> with the type checker and walks a real
// answer against it, so the declaration the console is typed by is the one that is tested.
import ts from 'typescript';
import { checkOnlyOptions } from './tsOptions.ts';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROBE = path.join(ROOT, 'shared/__outputProbe.ts');

export interface OutputTypes {
  /** The problems of `value` as an output of `channel`, at most `max` (none: it matches). */
  check(channel: string, value: unknown, max?: number): string[];
}

/** One program over the contract, with a probe file naming OutputOf<C> for each channel asked for. */
export function declaredOutputs(channels: readonly string[]): OutputTypes {
  const probe =
    `import type { OutputOf } from './contract.ts';\n` + channels.map((c, i) => `export type O${i} = OutputOf<${JSON.stringify(c)}>;`).join('\n');
  const options: ts.CompilerOptions = checkOnlyOptions([]);
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (path.resolve(name) === PROBE ? ts.createSourceFile(name, probe, lang) : getSourceFile(name, lang, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === PROBE || fileExists(name);
  const program = ts.createProgram([PROBE], options, host);
  const checker = program.getTypeChecker();
  const sf = program.getSourceFile(PROBE)!;
  const types = new Map<string, ts.Type>();
  for (const st of sf.statements) {
    if (ts.isTypeAliasDeclaration(st)) types.set(channels[Number(st.name.text.slice(1))]!, checker.getTypeAtLocation(st.name));
  }

  function walk(v: unknown, t: ts.Type, at: string, out: string[], max: number): void {
    if (out.length >= max) return;
    const f = t.flags;
    if (f & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
    if (t.isUnion()) {
      // The first member that takes the value whole; else the problems of the closest (fewest problems).
      let best: string[] | null = null;
      for (const m of t.types) {
        const p: string[] = [];
        walk(v, m, at, p, max);
        if (p.length === 0) return;
        if (best === null || p.length < best.length) best = p;
      }
      out.push(...(best ?? [`${at}: matches no member of ${checker.typeToString(t)}`]).slice(0, max - out.length));
      return;
    }
    // An intersection of objects is one object (its properties are all of theirs); one with a primitive (a brand) is each.
    if (t.isIntersection() && !t.types.every((m) => m.flags & ts.TypeFlags.Object)) {
      for (const m of t.types) walk(v, m, at, out, max);
      return;
    }
    const bad = (what: string) => out.push(`${at}: expected ${what}, got ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v} ${short(v)}`);
    if (t.isStringLiteral() || t.isNumberLiteral()) {
      if (v !== t.value) bad(JSON.stringify(t.value));
      return;
    }
    if (f & ts.TypeFlags.BooleanLiteral) {
      if (v !== (checker.typeToString(t) === 'true')) bad(checker.typeToString(t));
      return;
    }
    if (f & ts.TypeFlags.String) return void (typeof v !== 'string' && bad('a string'));
    if (f & ts.TypeFlags.Number) return void (typeof v !== 'number' && bad('a number'));
    if (f & ts.TypeFlags.Boolean) return void (typeof v !== 'boolean' && bad('a boolean'));
    if (f & ts.TypeFlags.Null) return void (v !== null && bad('null'));
    if (f & (ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return void (v !== undefined && bad('nothing'));
    if (f & ts.TypeFlags.Never) return void bad('nothing at all (never)');
    if (checker.isArrayType(t)) {
      if (!Array.isArray(v)) return void bad('an array');
      const el = checker.getTypeArguments(t as ts.TypeReference)[0]!;
      v.forEach((x, i) => walk(x, el, `${at}[${i}]`, out, max));
      return;
    }
    if (checker.isTupleType(t)) {
      if (!Array.isArray(v)) return void bad('a tuple');
      checker.getTypeArguments(t as ts.TypeReference).forEach((el, i) => walk(v[i], el, `${at}[${i}]`, out, max));
      return;
    }
    if (f & ts.TypeFlags.Object || t.isIntersection()) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return void bad(checker.typeToString(t));
      const obj = v as Record<string, unknown>;
      const props = checker.getPropertiesOfType(t);
      const named = new Set(props.map((p) => p.name));
      for (const p of props) {
        const pt = checker.getTypeOfSymbol(p);
        const optional = (p.flags & ts.SymbolFlags.Optional) !== 0;
        if (!Object.hasOwn(obj, p.name)) {
          if (!optional) out.push(`${at}.${p.name}: missing`);
          continue;
        }
        walk(obj[p.name], pt, `${at}.${p.name}`, out, max);
      }
      const index = checker.getIndexInfosOfType(t)[0];
      for (const k of Object.keys(obj)) {
        if (named.has(k)) continue;
        if (index) walk(obj[k], index.type, `${at}.${k}`, out, max);
        else out.push(`${at}.${k}: not declared on ${checker.typeToString(t)}`);
      }
      return;
    }
    out.push(`${at}: the checker cannot check a ${checker.typeToString(t)}`);
  }

  return {
    check(channel, value, max = 10) {
      const t = types.get(channel);
      if (!t) return [`${channel}: no declared output`];
      const out: string[] = [];
      walk(value, t, channel, out, max);
      return out;
    },
  };
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
