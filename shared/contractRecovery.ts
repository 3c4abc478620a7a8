// Default management's channels (design.md §2.4-2.6): merged into the contract in contract.ts.
import type { Role } from './roles.ts';
import type { z } from 'zod';

export const recoveryContract = {} as const satisfies Record<string, { role: Role; mutates: boolean; input: z.ZodType; output: unknown }>;
