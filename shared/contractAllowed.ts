// What the signed-in user may do, as the server judged it (issue 14 item 5). Views carry one verdict per action on
// their object; the console shows each as it is told (a disabled control with the reason beside it) and decides
// nothing itself. Types only: the rules live in main/commands/allowed.
import type { Role } from './roles.ts';

export interface ActionVerdict {
  /** The channel the action sends. */
  channel: string;
  /** Whether the action applies to the object as it stands (a hold to a held proposal does not): offered or not. */
  offered: boolean;
  /** Whether this user may take it now; the command refuses it when false, for the same reason. */
  allowed: boolean;
  /** Why not, naming the role, the state, the four eyes pending or the rule. */
  why?: string;
  /** The least role the action needs, when the refusal is about the user's role. */
  needs?: Role;
  /** Allowed, but it waits for a second, different supervisor: why. */
  holds?: string;
}

export const CALL_ACTIONS = ['deposit', 'extend', 'waive', 'escalate'] as const;
export const LIQUIDATION_ACTIONS = ['approve', 'confirm', 'hold', 'release', 'reject', 'fill'] as const;
export const CASE_ACTIONS = ['confirm', 'withdraw', 'port', 'closeOut', 'bid', 'award', 'waterfall', 'assess', 'allocate'] as const;
export const MEMBER_ACTIONS = ['declare', 'suspend', 'reinstate', 'replenish'] as const;

export type CallActions = Record<(typeof CALL_ACTIONS)[number], ActionVerdict>;
export type LiquidationActions = Record<(typeof LIQUIDATION_ACTIONS)[number], ActionVerdict>;
export type CaseActions = Record<(typeof CASE_ACTIONS)[number], ActionVerdict>;
export type MemberActions = Record<(typeof MEMBER_ACTIONS)[number], ActionVerdict>;

/** Per channel, whether the signed-in user's role may run it at all (controls with no object: cycle, import, ...). */
export type Capabilities = Record<string, ActionVerdict>;
