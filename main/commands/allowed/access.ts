// Who may run a channel at all, before any object is looked at: the batch actor reads and imports prices only, a
// user with an admin-set password changes it first, and everyone else needs the channel's least role. dispatch
// enforces this for every call; whoami hands the same verdicts to the console as the user's capabilities.
import { FEED_CHANNELS } from '../../../shared/contractFeed.ts';
import { CHANNELS, contract, DOOR_CHANNELS, type Channel, type InputOf } from '../../../shared/contract.ts';
import type { Capabilities } from '../../../shared/contractAllowed.ts';
import type { Actor } from '../context.ts';
import { channelRule, heldByContract, no, verdict, type Rule } from './verdict.ts';

/** All that a user whose password was set by an admin may run until they change it. */
const PASSWORD_CHANGE_CHANNELS: readonly Channel[] = ['session.whoami', 'session.changePassword'];

/**
 * What the unattended batch actor may run: reads, and market data: imports of prices, and a feed's marks of prices and
 * of perpetuals' funding rates (a vendor feed runs unattended; funding.tick's own bounds and clock rules guard it).
 */
export function batchMayRun(channel: Channel, input: unknown): boolean {
  if (!contract[channel].mutates) return true;
  if (channel === 'prices.tick' || channel === 'funding.tick') return true;
  return channel === 'import.csv' && (input as InputOf<'import.csv'> | undefined)?.kind === 'prices';
}

/** Whether `actor` may run `channel` (with `input`, for the batch actor's price imports). */
export function accessRule(actor: Actor, channel: Channel, input?: unknown): Rule {
  if (actor.batch && !batchMayRun(channel, input)) {
    return no('sign_in_required', `${channel} changes the ledger and needs a signed-in user: the batch actor ${actor.name} may read and take market data only`);
  }
  if (actor.mustChangePassword && !PASSWORD_CHANGE_CHANNELS.includes(channel)) {
    return no('password_change_required', `${actor.name} must change the password an admin set before anything else: session.changePassword`);
  }
  return channelRule(actor, channel);
}

/** Every channel the command layer answers, with whether this user may run it and why not. */
export function capabilities(actor: Actor): Capabilities {
  const out: Capabilities = {};
  for (const c of CHANNELS) {
    // The door's own channels answer anyone signed in (sign-in, sign-out, cancelling one's stress run); the feed's
    // controls are door channels too but carry roles, so the console learns them here like any other.
    if ((DOOR_CHANNELS as readonly string[]).includes(c) && !(FEED_CHANNELS as readonly string[]).includes(c)) continue;
    out[c] = verdict(c, true, heldByContract(c, accessRule(actor, c)));
  }
  return out;
}

