// The way around the linter is a disable comment; each one must say why (`-- reason`) and name the rules it turns
// off, so that a reviewer sees every exemption and its reason. (eslint.config.js makes an unused one an error.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { sourceFiles } from './support/sourceFiles.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SOURCES = ['main', 'shared', 'renderer/src', 'renderer/bench', 'bench', 'scripts', 'test', 'e2e'];

const DIRECTIVE = /eslint-disable(?:-next-line|-line)?\b(.*)$/;

/** Disable comments without named rules or without a reason, as "file:line: text". */
export function bareDisables(file: string, text: string): string[] {
  const out: string[] = [];
  text.split('\n').forEach((line, i) => {
    const m = DIRECTIVE.exec(line);
    // A directive is a comment that starts with it: a string that merely mentions one is not.
    if (!m || !/(\/\/|\/\*|<!--)\s*$/.test(line.slice(0, m.index))) return;
    const [rules = '', reason = ''] = m[1]!.replace(/\*\/|-->/g, '').split(' -- ');
    if (rules.trim() === '' || reason.trim() === '') out.push(`${file}:${i + 1}: ${line.trim()}`);
  });
  return out;
}

test('every eslint-disable comment names its rules and says why', () => {
  const files = sourceFiles(ROOT, SOURCES, (name) => /\.(ts|js|svelte)$/.test(name));
  assert.ok(files.length > 300, `only ${files.length} files found`);
  const found = files.flatMap((f) => (f.endsWith('lintDisables.test.ts') ? [] : bareDisables(path.relative(ROOT, f), fs.readFileSync(f, 'utf8'))));
  assert.deepEqual(found, [], `disable comments without rules or a reason (add "rule -- why"):\n${found.join('\n')}`);
});

test('a disable comment without rules or without a reason is found', () => {
  assert.equal(bareDisables('x.ts', '// eslint-disable-next-line\nconst a = 1;').length, 1);
  assert.equal(bareDisables('x.ts', '// eslint-disable-next-line no-sparse-arrays\nconst a = [1, , 2];').length, 1);
  assert.equal(bareDisables('x.ts', '/* eslint-disable */').length, 1);
  assert.equal(bareDisables('x.svelte', '<!-- eslint-disable-next-line svelte/require-each-key -->').length, 1);
  assert.equal(bareDisables('x.ts', '// eslint-disable-next-line no-sparse-arrays -- a hole is the input').length, 0);
  assert.equal(bareDisables('x.svelte', '<!-- eslint-disable-next-line svelte/require-each-key -- by place -->').length, 0);
  assert.equal(bareDisables('x.ts', "const s = 'no eslint-disable here';").length, 0);
});
