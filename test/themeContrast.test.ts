// The console's text colours on its backgrounds, read from the theme's CSS variables in renderer/src/app.css, meet
// WCAG 2.x AA for normal text (4.5:1). Faint text at 3.65-3.99:1 was hard to read on the desk's screens (issue 22).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const CSS = fs.readFileSync(path.join(import.meta.dirname, '..', 'renderer', 'src', 'app.css'), 'utf8');

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

test('every text colour of the theme is at least 4.5:1 on every background', () => {
  const colours = rootColours(CSS);
  const texts = ['text', 'text-2', 'text-3'];
  const backgrounds = ['bg', 'bg-1', 'bg-2', 'bg-3'];
  for (const name of [...texts, ...backgrounds]) assert.ok(colours.has(name), `--${name} is a #rrggbb colour in :root`);
  const low: string[] = [];
  for (const t of texts) {
    for (const b of backgrounds) {
      const ratio = contrast(colours.get(t)!, colours.get(b)!);
      if (ratio < 4.5) low.push(`--${t} on --${b}: ${ratio.toFixed(2)}:1`);
    }
  }
  assert.deepEqual(low, []);
});
