// The console's text colours on its backgrounds, read from the theme's CSS variables in renderer/src/app.css, meet
// WCAG 2.x AA for normal text (4.5:1). Faint text at 3.65-3.99:1 was hard to read on the desk's screens (issue 22).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.join(import.meta.dirname, '..');
const CSS = fs.readFileSync(path.join(ROOT, 'renderer', 'src', 'app.css'), 'utf8');

/** The :root custom properties that are #rrggbb colours. */
function rootColours(css: string): Map<string, string> {
  const root = /:root\s*{([^}]*)}/.exec(css);
  assert.ok(root, 'app.css has a :root block');
  return new Map([...root[1]!.matchAll(/--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;/g)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
}

/** WCAG relative luminance of an sRGB colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

test('the contrast formula gives the known ratios', () => {
  assert.equal(contrast('#000000', '#ffffff').toFixed(2), '21.00');
  assert.equal(contrast('#777777', '#ffffff').toFixed(2), '4.48');
  assert.equal(contrast('#6c7a8a', '#1b222b').toFixed(2), '3.65', 'the faint text of issue 22 on --bg-2');
});

const TEXTS = ['text', 'text-2', 'text-3'];
/** Colours the console writes words in: status labels, links, alert levels. */
const STATUS_TEXTS = ['accent', 'ok', 'warn', 'call', 'liq', 'bankrupt', 'info'];
/** Every background text sits on, the rows of a table included: every other row and the selected (cursor) row. */
const BACKGROUNDS = ['bg', 'bg-1', 'bg-2', 'bg-3', 'bg-row-alt', 'bg-selected'];

function lowPairs(colours: Map<string, string>, texts: string[], backgrounds: string[]): string[] {
  const low: string[] = [];
  for (const t of texts) {
    for (const b of backgrounds) {
      const ratio = contrast(colours.get(t)!, colours.get(b)!);
      if (ratio < 4.5) low.push(`--${t} on --${b}: ${ratio.toFixed(2)}:1`);
    }
  }
  return low;
}

test('every text colour of the theme is at least 4.5:1 on every background, the cursor and selected rows included', () => {
  const colours = rootColours(CSS);
  for (const name of [...TEXTS, ...STATUS_TEXTS, ...BACKGROUNDS]) assert.ok(colours.has(name), `--${name} is a #rrggbb colour in :root`);
  assert.deepEqual(lowPairs(colours, [...TEXTS, ...STATUS_TEXTS], BACKGROUNDS), []);
});

test('the check finds a faint pair: the cursor row of issue 22 at 4.17:1', () => {
  const colours = new Map(rootColours(CSS));
  colours.set('bg-selected', '#1d3350');
  assert.deepEqual(lowPairs(colours, ['text-3'], ['bg-selected']), ['--text-3 on --bg-selected: 4.17:1']);
});

/** #rgb as #rrggbb, lower case. */
const long = (hex: string): string => (hex.length === 4 ? `#${[...hex.slice(1)].map((c) => c + c).join('')}` : hex).toLowerCase();

/** Each rule of a component's <style> that sets a literal #rrggbb background, with its literal text colour if any. */
function literalBackgrounds(file: string): { where: string; background: string; color: string | null }[] {
  const src = fs.readFileSync(file, 'utf8');
  const style = /<style[^>]*>([\s\S]*?)<\/style>/.exec(src)?.[1] ?? '';
  const out: { where: string; background: string; color: string | null }[] = [];
  for (const m of style.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const body = m[2]!;
    const bg = /(?:^|;|\s)background(?:-color)?:\s*(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)\b/.exec(body)?.[1];
    if (!bg) continue;
    const color = /(?:^|;|\s)color:\s*(#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?)\b/.exec(body)?.[1];
    out.push({ where: `${path.relative(ROOT, file)} ${m[1]!.trim()}`, background: long(bg), color: color ? long(color) : null });
  }
  return out;
}

function svelteFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? svelteFiles(p) : e.name.endsWith('.svelte') ? [p] : [];
  });
}

// The way around the theme's check: a colour written into a component instead of a variable (the grid's cursor row
// was #1d3350 in WindowedGrid.svelte). A literal background is held to its own literal text colour, or, without one,
// to every text colour of the theme it inherits.
test('a background written into a component is 4.5:1 or better with the text on it', () => {
  const colours = rootColours(CSS);
  const files = svelteFiles(path.join(ROOT, 'renderer', 'src'));
  assert.ok(files.length > 20, 'the renderer components are found');
  const low: string[] = [];
  for (const f of files) {
    for (const r of literalBackgrounds(f)) {
      const texts = r.color ? [[r.color, r.color]] : TEXTS.map((t) => [`--${t}`, colours.get(t)!]);
      for (const [name, hex] of texts) {
        const ratio = contrast(hex!, r.background);
        if (ratio < 4.5) low.push(`${r.where}: ${name} on ${r.background}: ${ratio.toFixed(2)}:1`);
      }
    }
  }
  assert.deepEqual(low, []);
});

test('the component check reads a literal background and its text colour', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'contrast-'));
  const file = path.join(dir, 'Row.svelte');
  fs.writeFileSync(file, '<div class="row"></div>\n<style>\n  .row.cursor {\n    background: #1D3350;\n    color: #89a;\n  }\n</style>\n');
  assert.deepEqual(literalBackgrounds(file), [{ where: `${path.relative(ROOT, file)} .row.cursor`, background: '#1d3350', color: '#8899aa' }]);
  assert.equal(contrast('#8495a8', '#1d3350').toFixed(2), '4.17');
  fs.rmSync(dir, { recursive: true, force: true });
});
