// The console holds no role or state rule (issue 14 item 5): the server says, per action, whether it is allowed and
// why. This test reads every renderer source, lists its import specifiers and the names it imports, and fails on an
// import of a rule-bearing module, and on source that restates a rule: a role order or comparison, a list of role
// names to decide with, a same-person (four eyes) check against the signed-in user, the contract's least roles.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'renderer', 'src');

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.(ts|svelte)$/.test(e.name) ? [p] : [];
  });
}

export interface ImportOf {
  specifier: string;
  /** The module's path from the repository root, for a relative specifier. */
  resolved: string | null;
  typeOnly: boolean;
  /** The value names imported (type-only names left out). */
  names: string[];
}

/** Every import and re-export of a source, static and dynamic. */
export function importsOf(file: string, text: string): ImportOf[] {
  const out: ImportOf[] = [];
  const add = (specifier: string, typeOnly: boolean, clause: string) => {
    const resolved = specifier.startsWith('.') ? path.relative(ROOT, path.resolve(path.dirname(file), specifier)).split(path.sep).join('/') : null;
    const names = typeOnly
      ? []
      : (/\{([^}]*)\}/.exec(clause)?.[1] ?? '')
          .split(',')
          .map((n) => n.trim())
          .filter((n) => n && !n.startsWith('type '))
          .map((n) => n.split(/\s+as\s+/)[0]!.trim());
    const def = /^\s*([A-Za-z_$][\w$]*)\s*(,|$)/.exec(clause);
    if (!typeOnly && def) names.push('default');
    if (!typeOnly && /\*\s+as\s+/.test(clause)) names.push('*');
    out.push({ specifier, resolved, typeOnly, names });
  };
  for (const m of text.matchAll(/\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g)) add(m[4]!, !!m[2], m[3]!);
  for (const m of text.matchAll(/\bimport\s+['"]([^'"]+)['"]/g)) add(m[1]!, false, '');
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1]!, false, '* as dynamic');
  return out;
}

/** Modules that hold rules, and why the console may not use them. */
function refusedImport(i: ImportOf): string | null {
  if (i.resolved?.startsWith('main/')) return 'the server (main/): commands, rules, ledger';
  if (i.resolved && !i.resolved.startsWith('renderer/') && !i.resolved.startsWith('shared/')) return 'outside renderer/ and shared/';
  if (/^(node:|electron$|better-sqlite3$)/.test(i.specifier)) return 'Node, Electron or SQL';
  // Role names are a type and a pick list (ROLES, for choosing a role to grant); nothing that orders or compares them.
  if (i.resolved === 'shared/roles.ts') {
    const bad = i.names.filter((n) => n !== 'ROLES');
    if (bad.length) return `role helpers ${bad.join(', ')} (roles are judged on the server)`;
  }
  // The contract's table holds each channel's least role: the console reads types and value lists from it, never the table.
  if (i.resolved === 'shared/contract.ts' && i.names.some((n) => n === 'contract' || n === '*')) return 'the contract table (least roles are judged on the server)';
  return null;
}

const ROLE = `'(?:viewer|operator|supervisor|admin)'`;
/** Source that restates a rule: each with what it would decide. */
const RESTATED: [RegExp, string][] = [
  [new RegExp(`\\[\\s*${ROLE}\\s*,\\s*${ROLE}`), 'a list of role names'],
  [/\brole\s*[!=]==|[!=]==\s*[\w.?]*\brole\b/, 'a comparison of roles'],
  [/ROLES\s*\.\s*(indexOf|findIndex|slice)|roleAllows|roleRank|ROLE_ORDER/, 'a role order'],
  [/session\.user\??\.name\s*[!=]==|[!=]==\s*session\.user\??\.name/, 'a same-person check against the signed-in user (four eyes)'],
  [/\.(role|fourEyes)\b[^;\n]*\bcontract\[|\bcontract\[[^\]]*\]\s*(as [^)]*\))?\s*\)?\.(role|fourEyes)\b/, "the contract's roles or four eyes"],
  [/\[\s*'(vmGainsHaircut|adl|partialTearUp|socialisedLoss)'\s*,\s*'(vmGainsHaircut|adl|partialTearUp|socialisedLoss)'/, 'a copy of the recovery tools'],
];

const files = walk(SRC);

test('the renderer imports no rule-bearing module and restates no role or four-eyes rule', () => {
  assert.ok(files.length > 50, `${files.length} renderer sources read`);
  const found: string[] = [];
  let imports = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const rel = path.relative(ROOT, file);
    for (const i of importsOf(file, text)) {
      imports++;
      const why = refusedImport(i);
      if (why) found.push(`${rel} imports ${i.specifier}: ${why}`);
    }
    const code = text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, '');
    for (const [re, what] of RESTATED) if (re.test(code)) found.push(`${rel} holds ${what}: ${re.exec(code)![0]}`);
  }
  assert.ok(imports > 300, `${imports} imports read`);
  assert.deepEqual(found, []);
});

test('the check sees each kind of rule it looks for', () => {
  const file = path.join(SRC, 'screens', 'x', 'Bad.svelte');
  const refused = (text: string) => importsOf(file, text).map(refusedImport).filter((x) => x !== null);
  assert.equal(refused(`import { handlers } from '../../../../main/commands/handlers.ts';`).length, 1);
  assert.equal(refused(`import type { Actor } from '../../../../main/commands/context.ts';`).length, 1, 'even a type from main/');
  assert.equal(refused(`import { roleAllows, type Role } from '../../../../shared/roles.ts';`).length, 1);
  assert.equal(refused(`import { contract, type Channel } from '../../../../shared/contract.ts';`).length, 1);
  assert.equal(refused(`const m = await import('../../../../main/ledger/db.ts');`).length, 1);
  assert.equal(refused(`import Database from 'better-sqlite3';`).length, 1);
  assert.deepEqual(refused(`import type { Role } from '../../../../shared/roles.ts';\nimport { CALL_STATUSES, type Channel } from '../../../../shared/contract.ts';`), []);
  const restated = (code: string) => RESTATED.filter(([re]) => re.test(code)).map(([, w]) => w);
  assert.deepEqual(restated(`const strong = ['supervisor', 'admin'];`), ['a list of role names']);
  assert.deepEqual(restated(`if (session.user?.role === 'supervisor') ok();`), ['a comparison of roles']);
  assert.deepEqual(restated(`const rank = ROLES.indexOf(user.role);`), ['a role order']);
  assert.deepEqual(restated(`const mine = detail.approvedBy === session.user?.name;`), ['a same-person check against the signed-in user (four eyes)']);
  assert.deepEqual(restated(`const need = contract[channel].role;`), ["the contract's roles or four eyes"]);
  assert.deepEqual(restated(`const held = (contract[channel] as { fourEyes?: true }).fourEyes;`), ["the contract's roles or four eyes"]);
  assert.deepEqual(restated(`const T = ['vmGainsHaircut', 'adl', 'socialisedLoss'];`), ['a copy of the recovery tools']);
  assert.deepEqual(restated(`<div class="role role-{session.user?.role}">{session.user?.name}</div>`), []);
});
