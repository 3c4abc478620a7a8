// Lint with the type checker's knowledge (typescript-eslint's type-checked rules) and Svelte's (eslint-plugin-svelte).
// Kept to rules that find bugs: formatting and naming style are left to the code as it is (turned off below, each
// with why), so the linter never asks for a mass reformat of files other people are editing.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import svelte from 'eslint-plugin-svelte';
import tseslint from 'typescript-eslint';
import svelteConfig from './renderer/svelte.config.js';

/** The rules that follow an `any` value through the code. */
const ANY_TRACKING_OFF = {
  '@typescript-eslint/no-unsafe-assignment': 'off',
  '@typescript-eslint/no-unsafe-member-access': 'off',
  '@typescript-eslint/no-unsafe-call': 'off',
  '@typescript-eslint/no-unsafe-argument': 'off',
  '@typescript-eslint/no-unsafe-return': 'off',
};

export default defineConfig(
  {
    ignores: ['**/node_modules/**', '**/dist/**', 'dist-*/**', 'out/**', 'release/**', 'test-results/**', 'playwright-report/**', '.tmp/**'],
  },
  // A disable comment that no longer disables anything is an error, so an exemption cannot outlive its reason.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  svelte.configs.recommended,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // Config files that no tsconfig includes: checked with the default project.
          allowDefaultProject: ['*.js', 'renderer/*.js', 'renderer/vite.config.ts', 'playwright.config.ts', 'bin/*.js'],
        },
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, svelteConfig } },
  },
  {
    rules: {
      // TypeScript resolves every name (and knows the DOM, Node and Svelte globals); no-undef cannot.
      'no-undef': 'off',
      // Style, not bugs: an assertion the checker finds redundant, or a {children} snippet written out, reads the
      // same either way, and fixing them would touch some hundred files under other people's work.
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      'svelte/no-useless-children-snippet': 'off',
      // An async function without await keeps a promise-returning signature its callers rely on (a door's handler,
      // a bench's main); nothing is wrong with it.
      '@typescript-eslint/require-await': 'off',
      // A literal beside string ('outside' | string) documents a sentinel value; the checker merges it either way.
      '@typescript-eslint/no-redundant-type-constituents': 'off',
      // State classes hold Sets and Maps as $state.raw values that are replaced whole, never mutated in place, and
      // components build local ones to compute with: the rule cannot tell either from a mutated reactive container.
      'svelte/prefer-svelte-reactivity': 'off',
      // svelte-check (--fail-on-warnings) is the judge of Svelte's a11y warnings; an ignore it no longer needs is noise.
      'svelte/no-unused-svelte-ignore': 'off',
      // Exact money is decimal.js: a Decimal in a template prints its exact digits.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true, allowNullish: true, allow: [{ from: 'package', name: 'Decimal', package: 'decimal.js' }] },
      ],
      // The project's regular expressions that name control characters do so to refuse them (safeText, canonicalJson,
      // file names): that is their job, not a typo.
      'no-control-regex': 'off',
      // `_name` marks a value deliberately left unused (a destructured field dropped, a handler's unused argument).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/only-throw-error': [
        'error',
        {
          // Two deliberate non-Error throws, each caught at once by the code that threw it: canonicalJson's Refusal
          // unwinds the walk to its entry point (which throws a real error), and a dry run's ROLLBACK symbol undoes
          // its transaction.
          allow: [
            { from: 'file', name: 'Refusal', path: 'shared/canonicalJson.ts' },
            { from: 'file', name: 'ROLLBACK', path: 'main/commands/approvals.ts' },
          ],
        },
      ],
    },
  },
  {
    // node:test's test() and describe() return promises the runner itself awaits.
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
    },
  },
  {
    // eslint's Svelte parser sees an imported component (ReturnType<typeof Grid>) and a snippet's parameters as any,
    // where svelte-check (npm run check:renderer) types them fully: the any-tracking rules would only report that gap.
    files: ['**/*.svelte'],
    rules: ANY_TRACKING_OFF,
  },
  {
    // Tests read what the program printed or answered (JSON.parse of CLI output, HTTP bodies) as untyped values and
    // assert on them: checking those values is the test's job, so the any-tracking rules are off there.
    files: ['test/**', 'e2e/**', '**/*.test.ts'],
    rules: {
      ...ANY_TRACKING_OFF,
      '@typescript-eslint/no-explicit-any': 'off',
      // Test scripts: a helper's method taken off its object (const { run } = minuteClock()), a sentinel thrown to
      // roll back, an expectation chained with a comma, a value reassigned step by step, and Playwright's
      // base.extend<{}, Workers>() are how these tests are written, not bugs.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/only-throw-error': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
      'no-useless-assignment': 'off',
      '@typescript-eslint/no-empty-object-type': 'off',
      '@typescript-eslint/restrict-template-expressions': 'off',
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
