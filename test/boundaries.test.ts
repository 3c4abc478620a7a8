// design.md §3 as a test: which part of the program may import which, and where SQL may run. It reads every source
// file's imports (static, `export ... from` and dynamic import()) and names each file and import that breaks a rule,
// so a failure says what to move. Test files are exempt (a test may reach across layers to check them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { sourceFiles } from './support/sourceFiles.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SOURCES = ['main', 'shared', 'renderer/src', 'renderer/bench', 'bench', 'scripts'];
const DOORS = ['main/doors', 'main/cli', 'main/electron', 'main/serve'];

interface Source {
  file: string; // relative to ROOT, with forward slashes
  text: string;
  imports: string[]; // resolved relative imports (files relative to ROOT)
  packages: Import[]; // package imports ('node:fs', 'better-sqlite3', ...), with whether only types are imported
}

interface Import {
  name: string;
  typeOnly: boolean;
}

const IMPORT = /(?:^|[;\s])(?:import|export)\s+(type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function read(): Source[] {
  const files = sourceFiles(ROOT, SOURCES, (name) => /\.(ts|svelte)$/.test(name) && !/\.test\.ts$/.test(name) && !name.endsWith('.d.ts'));
  return files.map((abs) => {
    const text = fs.readFileSync(abs, 'utf8');
    const imports: string[] = [];
    const packages: Import[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[2] ?? m[3]!;
      if (!spec.startsWith('.')) {
        packages.push({ name: spec, typeOnly: m[1] !== undefined });
        continue;
      }
      imports.push(path.relative(ROOT, path.resolve(path.dirname(abs), spec)).split(path.sep).join('/'));
    }
    return { file: path.relative(ROOT, abs).split(path.sep).join('/'), text, imports, packages };
  });
}

const under = (file: string, folder: string) => file === folder || file.startsWith(`${folder}/`);

/** The part of the program a file belongs to: main/<folder>, or the top folder (shared, renderer, bench, scripts). */
export function area(file: string): string {
  const [top, second] = file.split('/');
  return top === 'main' && second !== undefined && file.split('/').length > 2 ? `main/${second}` : top!;
}

const sources = read();

interface Rule {
  name: string;
  from: (file: string) => boolean;
  forbidden: (target: string) => boolean;
}

const RULES: Rule[] = [
  {
    name: 'the engine is pure: it imports nothing of the ledger, the commands or the doors',
    from: (f) => under(f, 'main/engine'),
    forbidden: (t) => under(t, 'main/ledger') || under(t, 'main/commands') || DOORS.some((d) => under(t, d)),
  },
  {
    name: 'the ledger imports no command and no door',
    from: (f) => under(f, 'main/ledger'),
    forbidden: (t) => under(t, 'main/commands') || DOORS.some((d) => under(t, d)),
  },
  {
    // renderer/bench is a Node script that measures the screens on a demo book, not part of the console.
    name: 'the renderer talks only to the bridge: of the program it imports only shared/',
    from: (f) => under(f, 'renderer/src'),
    forbidden: (t) => !under(t, 'renderer') && !under(t, 'shared'),
  },
  {
    name: 'shared/ is imported by both sides and imports neither',
    from: (f) => under(f, 'shared'),
    forbidden: (t) => !under(t, 'shared'),
  },
  {
    name: 'the standalone calculators (main/calculators: margin, waterfall and ADL) import no command and no door',
    from: (f) => under(f, 'main/calculators'),
    forbidden: (t) => under(t, 'main/commands') || DOORS.some((d) => under(t, d)),
  },
];

/** Every import that breaks a rule, as "file -> target: rule". */
export function layerViolations(files: Source[]): string[] {
  const out: string[] = [];
  for (const s of files) {
    for (const rule of RULES) {
      if (!rule.from(s.file)) continue;
      for (const t of s.imports) if (rule.forbidden(t)) out.push(`${s.file} -> ${t}: ${rule.name}`);
    }
  }
  return out;
}

interface PackageRule {
  name: string;
  from: (file: string) => boolean;
  forbidden: (pkg: Import) => boolean;
}

const NODE_OR_ELECTRON = (p: Import) => p.name.startsWith('node:') || p.name === 'electron' || p.name === 'better-sqlite3';

const PACKAGE_RULES: PackageRule[] = [
  {
    // A type import names the handle a command is given; only a value import can open a database or run SQL.
    name: 'only main/ledger uses better-sqlite3 (elsewhere only its types)',
    from: (f) => !under(f, 'main/ledger'),
    forbidden: (p) => p.name === 'better-sqlite3' && !p.typeOnly,
  },
  {
    name: 'shared/ imports no Node, Electron or SQLite package: both sides load it',
    from: (f) => under(f, 'shared'),
    forbidden: NODE_OR_ELECTRON,
  },
  {
    name: 'the renderer reaches no Node, Electron or SQLite package: it has only the bridge',
    from: (f) => under(f, 'renderer/src'),
    forbidden: NODE_OR_ELECTRON,
  },
  {
    name: 'the engine imports no Electron or SQLite package',
    from: (f) => under(f, 'main/engine'),
    forbidden: (p) => p.name === 'electron' || p.name === 'better-sqlite3',
  },
];

/** Every package import that breaks a rule, as "file -> package: rule". */
export function packageViolations(files: Source[]): string[] {
  const out: string[] = [];
  for (const s of files) {
    for (const rule of PACKAGE_RULES) {
      if (!rule.from(s.file)) continue;
      for (const p of s.packages) if (rule.forbidden(p)) out.push(`${s.file} -> ${p.name}: ${rule.name}`);
    }
  }
  return out;
}

/**
 * A call that runs SQL: better-sqlite3's prepare() and pragma(), and exec() with a literal statement (a regular
 * expression's exec() takes a variable, so it is not mistaken for one).
 */
const SQL_CALL = /\.(?:prepare|pragma)\(|\.exec\(\s*['"`]/;

/**
 * A string that holds SQL: one that starts with a statement's keyword, or holds a clause only SQL has. Upper case
 * only (the ledger writes its SQL so), so that prose such as "select an account from the list" is not mistaken for it.
 */
const SQL_TEXT =
  /^\s*(?:SELECT|INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE|DROP|ALTER|PRAGMA|BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|VACUUM|ATTACH|DETACH|ANALYZE|REINDEX)\s|\bSELECT\s[\s\S]*\bFROM\s|\bINSERT\s+(?:OR\s+[A-Z]+\s+)?INTO\s|\bDELETE\s+FROM\s|\bUPDATE\s+\w+\s+SET\s|\b(?:WHERE|ORDER BY|GROUP BY|LEFT JOIN|INNER JOIN)\s/;

/** The string literals of a source (each piece of a template between its substitutions), with their line numbers. */
function stringLiterals(file: string, text: string): { line: number; text: string }[] {
  // A .svelte file's code is in its <script> blocks; the markup is blanked (kept as newlines, so lines still count).
  const code = file.endsWith('.svelte')
    ? text.replace(/<script[^>]*>([\s\S]*?)<\/script>|[^\n]/g, (all, script?: string) => (script === undefined ? '' : all.replace(/<\/?script[^>]*>/g, '')))
    : text;
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: { line: number; text: string }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node)) {
      out.push({ line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1, text: node.text });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

/** Every call that runs SQL and every string that holds SQL outside main/ledger, as "file:line: what". */
export function sqlOutsideLedger(files: Source[]): string[] {
  const out: string[] = [];
  for (const s of files) {
    if (under(s.file, 'main/ledger')) continue;
    const calls = new Set<number>(); // lines already named for a call (its statement is not named again)
    s.text.split('\n').forEach((line, i) => {
      if (!SQL_CALL.test(line)) return;
      calls.add(i + 1);
      out.push(`${s.file}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
    for (const lit of stringLiterals(s.file, s.text)) {
      if (SQL_TEXT.test(lit.text) && !calls.has(lit.line)) out.push(`${s.file}:${lit.line}: SQL text ${JSON.stringify(lit.text.trim().slice(0, 100))}`);
    }
  }
  return out;
}

/** The cycles of imports between areas (main/<folder>, shared, renderer, ...), each as "a -> b -> ... -> a" with an example import per step. */
export function areaCycles(files: Source[]): string[] {
  const edges = new Map<string, Map<string, string>>(); // area -> area -> an example "file -> target"
  for (const s of files) {
    const a = area(s.file);
    for (const t of s.imports) {
      const b = area(t);
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Map());
      if (!edges.get(a)!.has(b)) edges.get(a)!.set(b, `${s.file} -> ${t}`);
    }
  }
  // Tarjan's strongly connected components: every component of more than one area holds a cycle.
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const comps: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1) comps.push(comp.sort());
    }
  };
  for (const v of [...edges.keys()].sort()) if (!idx.has(v)) visit(v);
  return comps.map((c) => {
    const inside = new Set(c);
    const steps = c.flatMap((a) => [...(edges.get(a) ?? [])].filter(([b]) => inside.has(b)).map(([, example]) => `  ${example}`));
    return `${c.join(' <-> ')}:\n${steps.join('\n')}`;
  });
}

test('the sources are found and their imports resolved (the checks below see the program)', () => {
  assert.ok(sources.length > 200, `only ${sources.length} source files found`);
  const engine = sources.find((s) => s.file === 'main/engine/margin.ts') ?? sources.find((s) => under(s.file, 'main/engine'));
  assert.ok(engine && engine.imports.length > 0, 'an engine file with imports');
  const db = sources.find((s) => s.file === 'main/ledger/db.ts');
  assert.deepEqual(db?.packages.find((p) => p.name === 'better-sqlite3'), { name: 'better-sqlite3', typeOnly: false });
  for (const s of sources) {
    for (const t of s.imports) {
      const exists = fs.existsSync(path.join(ROOT, t)) || fs.existsSync(path.join(ROOT, `${t}.ts`));
      assert.ok(exists, `${s.file} imports ${t}, which is not a file: the import pattern misread it`);
    }
  }
});

test('design.md §3: each layer imports only what it may', () => {
  const v = layerViolations(sources);
  assert.deepEqual(v, [], `imports across the layers of design.md §3:\n${v.join('\n')}`);
});

test('design.md §3: packages only where they belong (SQLite in the ledger, no Node in shared/ or the renderer)', () => {
  const v = packageViolations(sources);
  assert.deepEqual(v, [], `package imports across the layers of design.md §3:\n${v.join('\n')}`);
});

test('design.md §3: SQL runs only in main/ledger', () => {
  const v = sqlOutsideLedger(sources);
  assert.deepEqual(v, [], `SQL outside main/ledger (move it into a repository there):\n${v.join('\n')}`);
});

test('no cycle of imports between folders', () => {
  const c = areaCycles(sources);
  assert.deepEqual(c, [], `folders that import each other (one must not know the other):\n${c.join('\n')}`);
});

test('the checks find what they look for (each rule on a made-up file)', () => {
  const fake = (file: string, imports: string[], text = '', packages: Import[] = []): Source => ({
    file,
    imports,
    text,
    packages,
  });
  const sqlite = { name: 'better-sqlite3', typeOnly: false };
  assert.equal(packageViolations([fake('main/commands/x.ts', [], '', [sqlite])]).length, 1);
  assert.equal(packageViolations([fake('main/commands/x.ts', [], '', [{ ...sqlite, typeOnly: true }])]).length, 0);
  assert.equal(packageViolations([fake('main/ledger/x.ts', [], '', [sqlite])]).length, 0);
  assert.equal(packageViolations([fake('shared/x.ts', [], '', [{ name: 'node:fs', typeOnly: false }])]).length, 1);
  assert.equal(packageViolations([fake('renderer/src/x.ts', [], '', [{ name: 'electron', typeOnly: true }])]).length, 1);
  assert.equal(packageViolations([fake('main/engine/x.ts', [], '', [{ name: 'electron', typeOnly: false }])]).length, 1);
  assert.equal(packageViolations([fake('renderer/src/x.ts', [], '', [{ name: 'zod', typeOnly: false }])]).length, 0);
  assert.equal(layerViolations([fake('main/engine/x.ts', ['main/ledger/db.ts'])]).length, 1);
  assert.equal(layerViolations([fake('main/engine/x.ts', ['main/cli/main.ts'])]).length, 1);
  assert.equal(layerViolations([fake('main/ledger/x.ts', ['main/commands/dispatch.ts'])]).length, 1);
  assert.equal(layerViolations([fake('renderer/src/x.ts', ['main/engine/margin.ts'])]).length, 1);
  assert.equal(layerViolations([fake('renderer/src/x.ts', ['shared/contract.ts', 'renderer/src/y.ts'])]).length, 0);
  assert.equal(layerViolations([fake('shared/x.ts', ['main/engine/margin.ts'])]).length, 1);
  assert.equal(layerViolations([fake('main/calculators/margin/x.ts', ['main/commands/dispatch.ts'])]).length, 1);
  assert.equal(sqlOutsideLedger([fake('main/commands/x.ts', [], "db.prepare('SELECT 1')")]).length, 1);
  assert.equal(sqlOutsideLedger([fake('main/commands/x.ts', [], 'db.exec(`DELETE FROM t`)')]).length, 1);
  assert.equal(sqlOutsideLedger([fake('main/commands/x.ts', [], "db.pragma('wal_checkpoint')")]).length, 1);
  assert.equal(sqlOutsideLedger([fake('main/commands/x.ts', [], 'const m = RE.exec(s);')]).length, 0);
  assert.equal(sqlOutsideLedger([fake('main/ledger/x.ts', [], "db.prepare('SELECT 1')")]).length, 0);
  // SQL text handed to a function (a repository reached around, a helper that prepares what it is given) is SQL too.
  assert.equal(sqlOutsideLedger([fake('main/commands/x.ts', [], "run(db, 'SELECT id FROM accounts');")]).length, 1);
  assert.equal(sqlOutsideLedger([fake('main/commands/x.ts', [], 'const q = `\n  INSERT INTO t(a) VALUES (?)`;')]).length, 1);
  assert.equal(sqlOutsideLedger([fake('main/commands/x.ts', [], 'const q = `${cols} FROM t WHERE id = ?`;')]).length, 1);
  assert.equal(sqlOutsideLedger([fake('bench/x.ts', [], "const q = 'DELETE FROM t';")]).length, 1);
  assert.equal(sqlOutsideLedger([fake('main/commands/x.ts', [], "const q = 'UPDATE t SET a = 1';")]).length, 1);
  assert.deepEqual(sqlOutsideLedger([fake('renderer/src/X.svelte', [], "<script lang=\"ts\">\n  const q = 'SELECT a FROM t';\n</script>\n<p>x</p>")]), [
    "renderer/src/X.svelte:2: SQL text \"SELECT a FROM t\"",
  ]);
  assert.equal(sqlOutsideLedger([fake('main/ledger/x.ts', [], "const q = 'SELECT id FROM accounts';")]).length, 0);
  // Not SQL: an element's tag name, prose, a comment about SQL, SQL words in markup.
  assert.equal(sqlOutsideLedger([fake('renderer/src/x.ts', [], "t.tagName === 'SELECT'")]).length, 0);
  assert.equal(sqlOutsideLedger([fake('main/commands/x.ts', [], "throw new Error('select an account from the list');")]).length, 0);
  assert.equal(sqlOutsideLedger([fake('bench/x.ts', [], '// asks for the write lock (BEGIN IMMEDIATE) every millisecond')]).length, 0);
  assert.equal(sqlOutsideLedger([fake('renderer/src/X.svelte', [], '<script lang="ts">\n  let a = 1;\n</script>\n<p>SELECT a FROM t WHERE x</p>')]).length, 0);
  assert.equal(areaCycles([fake('main/a/x.ts', ['main/b/y.ts']), fake('main/b/y.ts', ['main/a/x.ts'])]).length, 1);
  assert.equal(areaCycles([fake('main/a/x.ts', ['main/b/y.ts']), fake('main/b/y.ts', ['shared/z.ts'])]).length, 0);
  assert.equal(area('main/commands/recovery/book.ts'), 'main/commands');
  assert.equal(area('renderer/src/App.svelte'), 'renderer');
});
