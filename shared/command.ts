// One contract entry: everything a door, the console and a maintainer need to know of a command, declared together.
// No Node or Electron imports here: the renderer imports this file too.
import type { z } from 'zod';
import type { Role } from './roles.ts';
import type { RefusalCode } from './refusals.ts';
import type { ConsoleEvent } from './contract.ts';

declare const OUTPUT: unique symbol;

/**
 * The type a command answers, carried by the entry as a type only (the answer is plain JSON the command layer makes,
 * not parsed). test/contractOutputs.test.ts runs commands on a real ledger and checks each answer against it.
 */
export interface Returns<T> {
  readonly [OUTPUT]?: T;
}

export const returns = <T>(): Returns<T> => ({});

export type EventType = ConsoleEvent['type'];

export interface CommandSpec {
  /** The least role that may run it; any stronger role may too. */
  role: Role;
  /** It changes the ledger: run in one immediate transaction with its journal entry, refused on a read-only ledger. */
  mutates: boolean;
  input: z.ZodType;
  output: Returns<unknown>;
  /** The console events a door announces once it has run (doors/invoke.ts). */
  emits: readonly EventType[];
  /**
   * The refusals its own rules give, beyond those any command can meet (EVERY_COMMAND_REFUSES);
   * test/contractRefusals.test.ts checks the list against the codes its handler can reach.
   */
  refuses: readonly RefusalCode[];
  /** Held for a second, different supervisor (commands/approvals.ts). */
  fourEyes?: true;
}

/** A contract entry, its literal lists kept (`emits`, `refuses`) so that a door and a test read them typed. */
export function defineCommand<const S extends CommandSpec>(spec: S): S {
  return spec;
}

export type OutputOfSpec<S> = S extends { output: Returns<infer T> } ? T : never;
