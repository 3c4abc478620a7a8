// Step 7: fine instruments (issue 13), whose lot-tick value is below one micro-USD.
import type { Migration } from './runner.ts';

export const migration: Migration = {
  version: 7,
  name: 'fine instruments',
  up: `
-- Fine instruments (issue 13): one lot moving one tick may be worth less than a whole micro-USD (a lot of 0.00001 at
-- a tick of 0.01: 0.1 micro-USD). An instrument's lot-tick value is now lot_tick_value x 10^-lot_tick_scale
-- micro-USD, in its one canonical form (no trailing zero when the scale is above 0); every instrument already here
-- is an ordinary one, scale 0. Amounts stay whole micro-USD: the engine rounds each position's money once
-- (main/engine/lotValue.ts).
ALTER TABLE instruments ADD COLUMN lot_tick_scale INTEGER NOT NULL DEFAULT 0
  CHECK (lot_tick_scale BETWEEN 0 AND 18 AND (lot_tick_scale = 0 OR lot_tick_value % 10 <> 0));
`,
};
