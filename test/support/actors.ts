// The demo desk's people as the command layer takes them (no sign-in: command tests act as them directly), and a
// runner whose clock moves a minute per command, since the journal refuses a clock that goes back.
import type { Ledger } from '../../main/ledger/db.ts';
import type { Actor } from '../../main/commands/context.ts';
import { dispatch } from '../../main/commands/dispatch.ts';
import { DEMO_AS_OF } from '../../main/commands/initLedger.ts';

export const operator: Actor = { name: 'operator', role: 'operator' };
export const operator2: Actor = { name: 'operator2', role: 'operator' };
export const supervisor: Actor = { name: 'supervisor', role: 'supervisor' };
export const supervisor2: Actor = { name: 'supervisor2', role: 'supervisor' };
export const viewer: Actor = { name: 'viewer', role: 'viewer' };

export interface Runner {
  run<T>(db: Ledger, actor: Actor, channel: string, payload: unknown): T;
  /** Moves the clock on (for windows and deadlines). */
  advance(ms: number): void;
}

export function minuteClock(start = DEMO_AS_OF): Runner {
  let clock = Date.parse(start);
  return {
    run<T>(db: Ledger, actor: Actor, channel: string, payload: unknown): T {
      clock += 60_000;
      return dispatch({ db, actor, now: () => new Date(clock) }, channel, payload) as T;
    },
    advance(ms: number): void {
      clock += ms;
    },
  };
}
