// The one shape of "may this user do this now": a verdict with a code and a reason. The command layer enforces a
// verdict (a refusal with its code and reason) and the views show the same verdict, so the two cannot drift.
import { contract, type Channel } from '../../../shared/contract.ts';
import type { ActionVerdict } from '../../../shared/contractAllowed.ts';
import { ROLES, type Role } from '../../../shared/roles.ts';
import { RuleError } from '../../../shared/errors.ts';
import type { RefusalCode } from '../../../shared/refusals.ts';
import type { Actor } from '../context.ts';

/** A command names the least role that may run it; any stronger role may too. */
export function roleAllows(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

export type Rule = { ok: true; holds?: string } | { ok: false; code: RefusalCode; why: string; needs?: Role };

export const ok = (holds?: string): Rule => (holds === undefined ? { ok: true } : { ok: true, holds });
export const no = (code: RefusalCode, why: string, needs?: Role): Rule => (needs ? { ok: false, code, why, needs } : { ok: false, code, why });

/** The first refusal of `rules` in order, or the last acceptance (which may say it is held). */
export function first(...rules: (() => Rule)[]): Rule {
  let last: Rule = ok();
  for (const r of rules) {
    last = r();
    if (!last.ok) return last;
  }
  return last;
}

/** The command's side: a refusal throws, with the verdict's code and reason; an acceptance returns it. */
export function enforce(r: Rule): Extract<Rule, { ok: true }> {
  if (!r.ok) throw new RuleError(r.code, r.why);
  return r;
}

/** Whether `role` reaches `need`, worded for the user. */
export function roleRule(actor: Actor, need: Role, what: string): Rule {
  if (roleAllows(actor.role, need)) return ok();
  return no('forbidden', `${what} needs the ${need} role (you are signed in as ${actor.role})`, need);
}

/** The channel's least role from the contract: the rule dispatch enforces before any command runs. */
export function channelRule(actor: Actor, channel: Channel): Rule {
  const need = contract[channel].role;
  if (roleAllows(actor.role, need)) return ok();
  return no('forbidden', `${actor.name} (${actor.role}) may not run ${channel}: it needs the ${need} role`, need);
}

/** A rule as a view shows it. */
export function verdict(channel: Channel, offered: boolean, r: Rule): ActionVerdict {
  if (r.ok) return { channel, offered, allowed: true, ...(r.holds ? { holds: r.holds } : {}) };
  return { channel, offered, allowed: false, why: r.why, ...(r.needs ? { needs: r.needs } : {}) };
}

/** An accepted rule on a channel the contract holds for a second supervisor (approvals.ts): it is asked for, not done. */
export function heldByContract(channel: Channel, r: Rule): Rule {
  if (!r.ok || r.holds || (contract[channel] as { fourEyes?: true }).fourEyes !== true) return r;
  return ok('a second, different supervisor must confirm it');
}

/** A view's verdict on one action: the channel's role first, then the action's own rule on its object. */
export function judge(actor: Actor, channel: Channel, offered: boolean, rule: () => Rule): ActionVerdict {
  return verdict(channel, offered, heldByContract(channel, first(() => channelRule(actor, channel), rule)));
}
