// The one command layer behind all three doors. It validates the payload against the contract, checks the actor's
// role, and runs a changing command and its journal entry in one transaction: both land or neither does.
import type { z } from 'zod';
import { contract, isChannel, DOOR_CHANNELS, type Channel, type InputOf, type OutputOf } from '../../shared/contract.ts';
import { roleAllows } from '../../shared/roles.ts';
import { InputError, RuleError } from '../../shared/errors.ts';
import { appendJournal, assertClockForward } from '../ledger/journal.ts';
import type { CommandContext } from './context.ts';
import { handlers } from './handlers.ts';
import { needsSecondApprover, requestApproval } from './approvals.ts';

/** Names the first field that failed, as a dotted path, with zod's reason. */
export function schemaError(channel: string, err: z.ZodError): InputError {
  const issue = err.issues[0]!;
  const field = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') message = `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
  return new InputError(`${channel}: ${message}`, field ? { field } : {});
}

export function validate<C extends Channel>(channel: C, payload: unknown): InputOf<C> {
  const parsed = contract[channel].input.safeParse(payload ?? {});
  if (!parsed.success) throw schemaError(channel, parsed.error);
  return parsed.data as InputOf<C>;
}

/** What the unattended batch actor may run: reads, and imports of market prices. */
export function batchMayRun(channel: Channel, input: unknown): boolean {
  if (!contract[channel].mutates) return true;
  return channel === 'import.csv' && (input as InputOf<'import.csv'>).kind === 'prices';
}

/** The payload checked against the channel's schema and the actor's role against the channel's: the input, or a refusal. */
export function authorize<C extends Channel>(ctx: CommandContext, channel: C, payload: unknown): InputOf<C> {
  const entry = contract[channel];
  const input = validate(channel, payload);
  if (ctx.actor.batch && !batchMayRun(channel, input)) {
    throw new RuleError('sign_in_required', `${channel} changes the ledger and needs a signed-in user: the batch actor ${ctx.actor.name} may read and import prices only`);
  }
  if (!roleAllows(ctx.actor.role, entry.role)) {
    throw new RuleError('forbidden', `${ctx.actor.name} (${ctx.actor.role}) may not run ${channel}: it needs the ${entry.role} role`);
  }
  return input;
}

type AnyHandler = (ctx: CommandContext, input: unknown) => { output: unknown; journal?: { payload?: unknown; result?: unknown } };

export function dispatch<C extends Channel>(ctx: CommandContext, channel: C | string, payload: unknown): OutputOf<C> {
  if (!isChannel(channel)) throw new InputError(`unknown command "${channel}"`);
  if ((DOOR_CHANNELS as readonly string[]).includes(channel)) throw new InputError(`${channel} is answered by the console's door, not the command layer`);
  const entry = contract[channel];
  const input = authorize(ctx, channel, payload);
  if (!entry.mutates) {
    const handler = handlers[channel as keyof typeof handlers] as AnyHandler;
    return ctx.db.transaction(() => handler(ctx, input).output)() as OutputOf<C>;
  }
  if (ctx.integrity?.readOnly && channel !== 'ledger.acknowledge') {
    throw new RuleError(
      'ledger_read_only',
      `the ledger is open read-only, so ${channel} is refused: ${ctx.integrity.problem ?? 'its chain failed the check at start'}. An admin acknowledges this with a reason to allow changes again`,
    );
  }
  return commitCommand(ctx, channel, input) as OutputOf<C>;
}

/**
 * A changing command and its journal entry in one immediate transaction, on one clock reading: every time the
 * command stores and its entry's time are the same instant, so that replaying the entry at its recorded time
 * (verify --deep) writes what the command wrote. The input is already valid and the actor allowed: dispatch checks
 * both, and a replay runs what the journal says was allowed then.
 */
export function commitCommand(ctx: CommandContext, channel: Channel, input: unknown): unknown {
  const handler = handlers[channel as keyof typeof handlers] as AnyHandler;
  const now = ctx.now();
  const at = now.toISOString();
  const once: CommandContext = { ...ctx, now: () => new Date(now.getTime()) };
  return ctx.db.transaction(() => {
    assertClockForward(ctx.db, at);
    // A command the contract holds for a second supervisor is checked now and waits (approvals.ts).
    const { output, journal } = needsSecondApprover(channel) ? requestApproval(once, channel, input) : handler(once, input);
    appendJournal(ctx.db, {
      at,
      actor: ctx.actor.name,
      command: channel,
      payload: journal?.payload ?? input,
      result: journal?.result ?? output,
    });
    return output;
  }).immediate();
}
