// Released schema steps are frozen: a ledger already migrated past a step never runs it again, so a changed step
// would leave old and new ledgers with different schemas under one version number. Each step's SQL is pinned here by
// its SHA-256; a change to the schema goes in a new step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MIGRATIONS, type Migration } from './index.ts';

/** version -> SHA-256 (hex) of the step's `up`, UTF-8. Append a line when adding a step; never edit one. */
const PINNED: Readonly<Record<number, string>> = {
  1: '278a87ba03e12d165c58d354a5720f2fd0bd2e9af1dcdd0c64c9fae5a903349d',
  2: '43028d8d7d3d454ab3c3763d3918e24eb44d1ded21084908c1457e5457539115',
  3: 'a7895e175f6f5f712bf1af66f63c817392b0c57c8526f31c40446e027142c63f',
  4: '9b7e07d57191616f0cf104b5c6e0a49a66da8611eb846083756a9c0490936b44',
  5: '9dd0d19ef6cdc1d619b988f248db9d588893bea57d8939f9cd086fc7acf965ff',
  6: 'bae326899d99aeb1ee7e496ffa7136470c10442b85b3ebb943989fd0519bc0e9',
  7: '7aaebf1da456d2490e6098b69da475641ac316b3b56d244a798f0a6910fc6523',
  8: '417f085faba89f164e864abe0232e56a27185ba31e8ec180405e46a37a2fc65f',
  9: '089fa9a2022f3c1bf12f46dcae24e5291da9ebf3862d1615185f6d2eee35f800',
  10: 'f6d902adba1bb4b239755927937163c856414e030919261f23487e32d1545d4a',
  11: '31f58a278d5e393ad20e1f036e09b1fa113275787d187f3f33e37957f29b5c2c',
  12: 'e70a011de93e920c066a2d8c2c0b1e826844027da3cd9e9b7fbde19fe11344cf',
  13: '9d75ff821451e6254c14641f504c98c3c0553dcd9d1f3802e745e6cfb788cd77',
  14: '67f3ad2329963bc23eb199054d68a2a9fd9dfa5fe4b39a7a428037c44cbdf788',
  15: '315a5f1b5d064aa0188fb57ad044913d546c52ec182b35b3605b3d4c0c97aeaa',
  16: '50b221df3bbbe0f7a6ce6aa881df792c9596f660d27dc1712c706e18298c069a',
  17: 'dccd118278de30e73df17adcd36594a5ca7096c07adca535546c1e81ab68ac1b',
  18: '7fd522412a3be0d470622a620cee0745048878f22f712a03df3946f4aedb6cc7',
  19: 'f64653d19c7408219fa75bb6d4d0a942c831115b0d960f8d9c8b7cfb2bb0b4e1',
};

const here = path.dirname(fileURLToPath(import.meta.url));
const sha256 = (s: string): string => crypto.createHash('sha256').update(s, 'utf8').digest('hex');

/** What is wrong with `steps` against `pinned`, one sentence each (empty when every step is as released). */
export function frozenProblems(steps: readonly Migration[], pinned: Readonly<Record<number, string>>): string[] {
  const problems: string[] = [];
  for (const step of steps) {
    const hash = sha256(step.up);
    const want = pinned[step.version];
    if (want === undefined) {
      problems.push(
        `step ${step.version} "${step.name}" has no pinned hash: add ${step.version}: '${hash}' to PINNED in ` +
          'main/ledger/migrations/frozen.test.ts',
      );
    } else if (want !== hash) {
      problems.push(
        `released step ${step.version} "${step.name}" changed (SHA-256 ${hash}, pinned ${want}): released steps ` +
          'are frozen; put the change in a new step',
      );
    }
  }
  for (const version of Object.keys(pinned).map(Number)) {
    if (!steps.some((s) => s.version === version)) {
      problems.push(`released step ${version} is gone: released steps are frozen and never removed`);
    }
  }
  return problems;
}

test('every step is pinned and no released step has changed', () => {
  assert.deepEqual(frozenProblems(MIGRATIONS, PINNED), []);
});

test('a changed, missing or unpinned step is named, and a changed one is called frozen', () => {
  const edited = MIGRATIONS.map((m) => (m.version === 4 ? { ...m, up: `${m.up}\n` } : m));
  const [changed] = frozenProblems(edited, PINNED);
  assert.match(changed ?? '', /^released step 4 "one call index per account" changed .*released steps are frozen/);

  const added = [...MIGRATIONS, { version: MIGRATIONS.length + 1, name: 'next', up: 'SELECT 1;' }];
  assert.deepEqual(frozenProblems(added, PINNED), [
    `step ${added.length} "next" has no pinned hash: add ${added.length}: '${sha256('SELECT 1;')}' to PINNED in ` +
      'main/ledger/migrations/frozen.test.ts',
  ]);
  assert.match(frozenProblems(MIGRATIONS.slice(0, -1), PINNED).join("\n"), new RegExp(`step ${MIGRATIONS.length} is gone`));
});

test('each step is one file NNNN-name.ts, listed in index.ts in order, whose SQL is one literal calling no helper', async () => {
  const files = fs.readdirSync(here).filter((f) => /^\d{4}-.*\.ts$/.test(f)).sort();
  assert.equal(files.length, MIGRATIONS.length, `step files ${files.join(', ')} against ${MIGRATIONS.length} listed steps`);
  for (const [i, file] of files.entries()) {
    const step = MIGRATIONS[i];
    assert.equal(Number(file.slice(0, 4)), step?.version, `${file} is listed as step ${step?.version}`);
    const mod = (await import(path.join(here, file))) as { migration: Migration };
    assert.equal(mod.migration, step, `${file} is not index.ts's step ${i + 1}`);
    const source = fs.readFileSync(path.join(here, file), 'utf8');
    const imports = source.match(/^import .*$/gm) ?? [];
    assert.deepEqual(imports, ["import type { Migration } from './runner.ts';"], `${file} imports only the type`);
    assert.ok(!source.includes('${'), `${file}: a step's SQL is written out literally, with no \${...}`);
  }
});
