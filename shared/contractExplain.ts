// Explain any figure (issue 21 item 1): the trace of one figure of one account, as the engine computed it: the
// methodology section and formula, each input with where it came from, and every intermediate value, exact.
// Merged into the contract in contract.ts. The server builds the whole trace; the console and the CLI only show it.
import { z } from 'zod';
import type { Role } from './roles.ts';
import { id } from './schemaParts.ts';
import { defineCommand, returns } from './command.ts';

/** The figures a trace can be asked for. Position figures (prices, plan quantity) need the position's instrument. */
export const TRACE_FIGURES = ['mm', 'im', 'equity', 'call', 'health', 'liquidationPrice', 'bankruptcyPrice', 'planQuantity'] as const;
export type TraceFigure = (typeof TRACE_FIGURES)[number];

/** One input of a figure: its value as given to the engine and where it came from (a row, a mark and its time). */
export interface TraceInput {
  name: string;
  value: string;
  source: string;
}

/** One intermediate value: what it is, the formula with the numbers put in, and the exact result. */
export interface TraceStep {
  label: string;
  formula: string;
  /** Exact (every decimal the engine holds); null where the figure has no value (no call, infinite health). */
  value: string | null;
}

export interface FigureTrace {
  account: string;
  figure: TraceFigure;
  /** The position's instrument for a position figure (or a single position's MM/IM), else null. */
  instrument: string | null;
  /** What the figure is, in words ("Maintenance margin of A-0001"). */
  title: string;
  /** The figure as the engine reports it, exact; null where it has none. Always the last step's value. */
  value: string | null;
  /** 'USD', 'price', 'ratio' or 'quantity'. */
  unit: 'USD' | 'price' | 'ratio' | 'quantity';
  /** The prices' time: the latest cycle's as-of (the account detail's). */
  asOf: string;
  policyVersion: number;
  /** The methodology section(s) the formula comes from. */
  section: string;
  formula: string;
  inputs: TraceInput[];
  steps: TraceStep[];
  /** Said plainly where the figure has no value or the formula does not apply (an option's liquidation price). */
  note: string | null;
}

export const explainContract = {
  /**
   * The trace of one figure of an account at the account detail's prices: the same engine path as accounts.detail,
   * so the trace's value is the figure shown. `instrument` picks a position (required for prices and plan quantity).
   */
  'explain.figure': defineCommand({
    role: 'viewer' as Role,
    mutates: false,
    input: z.object({ account: id, figure: z.enum(TRACE_FIGURES), instrument: id.optional() }).strict(),
    output: returns<FigureTrace>(),
    emits: [],
    refuses: ['no_price'],
  }),
} as const;
