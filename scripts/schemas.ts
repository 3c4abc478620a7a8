// Writes the published JSON Schemas of the what-if interfaces and the playbook file from their zod schemas (npm run schemas).
// test/schemas.test.ts fails when the committed files differ from what this would write.
import fs from 'node:fs';
import { z } from 'zod';
import { marginInputSchema, marginOutputSchema } from '../main/calculators/margin/schema.ts';
import { waterfallInputSchema, waterfallOutputSchema, adlInputSchema, adlOutputSchema } from '../main/calculators/waterfall/schema.ts';
import { playbookDefinition } from '../shared/contractPlaybook.ts';

export const SCHEMAS: Record<string, z.ZodType> = {
  'margin-input.schema.json': marginInputSchema,
  'margin-output.schema.json': marginOutputSchema,
  'waterfall-input.schema.json': waterfallInputSchema,
  'waterfall-output.schema.json': waterfallOutputSchema,
  'adl-input.schema.json': adlInputSchema,
  'adl-output.schema.json': adlOutputSchema,
  // A recovery playbook file (riskdesk playbook import / export).
  'playbook.schema.json': playbookDefinition,
};

export function renderSchema(name: string, schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return `${JSON.stringify({ $id: `https://riskdesk.local/schemas/${name}`, ...json }, null, 2)}\n`;
}

if (import.meta.main) {
  const dir = new URL('../docs/schemas/', import.meta.url);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    fs.writeFileSync(new URL(name, dir), renderSchema(name, schema));
    process.stdout.write(`wrote docs/schemas/${name}\n`);
  }
}
