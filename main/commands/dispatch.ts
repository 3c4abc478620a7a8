// The one command layer behind all three doors. It validates the payload against the contract, checks the actor's
// role, and runs a changing command and its journal entry in one transaction: both land or neither does.
import { contract, isChannel, DOOR_CHANNELS, type Channel, type InputOf, type OutputOf } from '../../shared/contract.ts';
import { accessRule, batchMayRun } from './allowed/access.ts';
import { channelRule, enforce } from './allowed/verdict.ts';
import { withActions } from './allowed/views.ts';
import { InputError, RuleError, schemaError } from '../../shared/errors.ts';
import { forMessage } from '../../shared/safeText.ts';
import { appendJournal, assertClockForward } from '../ledger/journal.ts';
import type { CommandContext } from './context.ts';
import { handlers, preparers, stagers, cycleCommand, type Prepared } from './handlers.ts';
import type { Steps } from './steps.ts';
import type { ChunkedPublish } from './importChunks.ts';
import { openTransaction } from '../ledger/db.ts';
import { needsSecondApprover, requestApproval } from './approvals.ts';

/**
 * Where a payload holds an object with a `length` (not text, not a list): zod 4 runs a string's or a list's length
 * checks on such a value even after its type check failed, and one without a prototype makes them throw.
 */
function lengthTrap(v: unknown, path = '', depth = 0): string | null {
  if (v === null || typeof v !== 'object' || depth > 64) return null;
  if (!Array.isArray(v) && 'length' in v) return path || '(the payload)';
  for (const [k, x] of Object.entries(v)) {
    const found = lengthTrap(x, Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

export function validate<C extends Channel>(channel: C, payload: unknown): InputOf<C> {
  let parsed;
  try {
    parsed = contract[channel].input.safeParse(payload ?? {});
  } catch (e) {
    const field = lengthTrap(payload);
    if (field === null) throw e;
    throw new InputError(`${channel}: field ${forMessage(field, 200)} holds an object with a "length", where text or a list is expected`, { field: forMessage(field, 200) });
  }
  if (!parsed.success) throw schemaError(channel, parsed.error);
  return parsed.data as InputOf<C>;
}

export { batchMayRun };

/**
 * The actor's role against the channel's, then the payload against the channel's schema (a role that may not run
 * the channel learns nothing of its payload), then the batch actor's and the password-change limits (allowed/access.ts,
 * the same verdicts whoami hands the console): the input, or a refusal.
 */
export function authorize<C extends Channel>(ctx: CommandContext, channel: C, payload: unknown): InputOf<C> {
  if (!ctx.actor.batch && !ctx.actor.mustChangePassword) enforce(channelRule(ctx.actor, channel));
  const input = validate(channel, payload);
  enforce(accessRule(ctx.actor, channel, input));
  return input;
}

type AnyHandler = (
  ctx: CommandContext,
  input: unknown,
  prepared?: Prepared,
) => { output: unknown; journal?: { payload?: unknown; result?: unknown } };

function checkChannel(channel: string): asserts channel is Channel {
  if (!isChannel(channel)) throw new InputError(`unknown command "${channel}"`);
  if ((DOOR_CHANNELS as readonly string[]).includes(channel)) throw new InputError(`${channel} is answered by the console's door, not the command layer`);
}

/** A ledger whose chain failed its check at start takes no change but the admin's acknowledgement. */
function refuseReadOnly(ctx: CommandContext, channel: Channel): void {
  if (!contract[channel].mutates || !ctx.integrity?.readOnly || channel === 'ledger.acknowledge') return;
  throw new RuleError(
    'ledger_read_only',
    `the ledger is open read-only, so ${channel} is refused: ${ctx.integrity.problem ?? 'its chain failed the check at start'}. An admin acknowledges this with a reason to allow changes again`,
  );
}

export function dispatch<C extends Channel>(ctx: CommandContext, channel: C | string, payload: unknown): OutputOf<C> {
  checkChannel(channel);
  if (Object.hasOwn(preparers, channel)) throw new InputError(`${channel} hashes a password and runs through dispatchAsync`);
  return withActions(ctx, channel, run(ctx, channel, authorize(ctx, channel, payload), undefined)) as OutputOf<C>;
}

/**
 * The same, for every channel: a channel that carries a password has it hashed (or checked) first, off the event
 * loop and outside the transaction, and its handler gets the result; an import is parsed, checked and staged outside
 * the transaction (stagers), then `between` is awaited (a turn of the event loop unless the door says otherwise)
 * before the transaction publishes it; a long one is written first a chunk at a time (importChunks.ts), with
 * `betweenChunks` awaited before each chunk (a door that shares its connection keeps other transactions off it then).
 */
export async function dispatchAsync<C extends Channel>(
  ctx: CommandContext,
  channel: C | string,
  payload: unknown,
  between?: () => Promise<void>,
  betweenChunks?: () => Promise<void>,
): Promise<OutputOf<C>> {
  checkChannel(channel);
  const input = authorize(ctx, channel, payload);
  refuseReadOnly(ctx, channel);
  const prepare = preparers[channel as keyof typeof preparers] as ((ctx: CommandContext, input: unknown) => Promise<Prepared>) | undefined;
  const stage = stagers[channel as keyof typeof stagers] as ((ctx: CommandContext, input: unknown) => Prepared) | undefined;
  let prepared: Prepared | undefined;
  if (prepare) prepared = await prepare(ctx, input);
  else if (stage) {
    prepared = stage(ctx, input);
    // Between stage and publish a door answers what waited while the file was parsed (and lets a console cycle that
    // began meanwhile settle first); the command checks again whatever changed, as it does when another process wrote.
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    await (between ?? turn)();
    if (prepared.ahead) return (await chunked(ctx, channel, input, prepared, prepared.ahead, betweenChunks ?? turn)) as OutputOf<C>;
  }
  return withActions(ctx, channel, run(ctx, channel, input, prepared)) as OutputOf<C>;
}

/** Between two chunks of a long import: long enough for another process's writer to take the lock (importChunks.ts). */
const CHUNK_PAUSE_MS = 25;

/**
 * A staged command whose rows are written a chunk at a time before its transaction, hidden until the transaction
 * shows them (importChunks.ts): its chunks, its transaction, then the tidying after it, whether it committed or not.
 */
async function chunked(ctx: CommandContext, channel: Channel, input: unknown, prepared: Prepared, ahead: ChunkedPublish, turn: () => Promise<void>): Promise<unknown> {
  const pause = async () => {
    await new Promise<void>((resolve) => setTimeout(resolve, CHUNK_PAUSE_MS));
    await turn();
  };
  let committed = false;
  try {
    await ahead.write(pause);
    const output = withActions(ctx, channel, run(ctx, channel, input, prepared));
    committed = true;
    return output;
  } finally {
    await ahead.settle(committed, pause);
  }
}

function run(ctx: CommandContext, channel: Channel, input: unknown, prepared: Prepared | undefined): unknown {
  if (!contract[channel].mutates) {
    const handler = handlers[channel as keyof typeof handlers] as AnyHandler;
    return ctx.db.transaction(() => handler(ctx, input, prepared).output)();
  }
  refuseReadOnly(ctx, channel);
  return commitCommand(ctx, channel, input, prepared);
}

/**
 * A changing command and its journal entry in one immediate transaction, on one clock reading: every time the
 * command stores and its entry's time are the same instant, so that replaying the entry at its recorded time
 * (verify --deep) writes what the command wrote. The input is already valid and the actor allowed: dispatch checks
 * both, and a replay runs what the journal says was allowed then.
 */
export function commitCommand(ctx: CommandContext, channel: Channel, input: unknown, prepared?: Prepared): unknown {
  let committed = false;
  try {
    const output = commitTransaction(ctx, channel, input, prepared);
    committed = true;
    return output;
  } finally {
    // The resident book applies what the command changed (or drops what it changed in memory, if it failed).
    ctx.resident?.settle(committed);
  }
}

function commitTransaction(ctx: CommandContext, channel: Channel, input: unknown, prepared?: Prepared): unknown {
  const handler = handlers[channel as keyof typeof handlers] as AnyHandler;
  return ctx.db.transaction(() => {
    // The clock is read once the write lock is held: read before, while another process's command (a chunk of a long
    // import, then its short last transaction) held the lock, it could be earlier than that command's entry.
    const now = ctx.now();
    const at = now.toISOString();
    const once: CommandContext = { ...ctx, now: () => new Date(now.getTime()) };
    assertClockForward(ctx.db, at);
    // A command the contract holds for a second supervisor is checked now and waits (approvals.ts).
    return journalled(ctx, channel, input, at, needsSecondApprover(channel) ? requestApproval(once, channel, input) : handler(once, input, prepared));
  }).immediate();
}

function journalled(ctx: CommandContext, channel: Channel, input: unknown, at: string, done: ReturnType<AnyHandler>): unknown {
  appendJournal(ctx.db, {
    at,
    actor: ctx.actor.name,
    command: channel,
    payload: done.journal?.payload ?? input,
    result: done.journal?.result ?? done.output,
  });
  return done.output;
}

/** How the console paces a command it runs a slice at a time (dispatchSliced). */
export interface Pace {
  /** Work between two pauses, in ms. */
  sliceMs: number;
  /** Lets the door answer other requests (a turn of its event loop). */
  pause(): Promise<void>;
  /** Asked after every pause: why the command is to stop, or null to go on. */
  cancelled(): string | null;
}

/**
 * A margin cycle as the console runs it: the same command, validated, allowed, journalled and committed as dispatch
 * does, but in slices (commands/steps.ts) inside its one immediate transaction, pausing after each so that the door
 * answers reads from another connection meanwhile, and hearing a cancel at each pause: a cancelled cycle is rolled
 * back whole (nothing of it is stored, not even in the journal) and refused as `cancelled`. The door must let no other
 * command use this connection until it settles (doors/invoke.ts).
 */
export async function dispatchSliced(ctx: CommandContext, channel: 'cycle.run', payload: unknown, pace: Pace): Promise<OutputOf<'cycle.run'>> {
  const input = authorize(ctx, channel, payload);
  refuseReadOnly(ctx, channel);
  const { db } = ctx;
  let committed = false;
  openTransaction.begin(db);
  try {
    // Read with the write lock held, as commitTransaction does.
    const now = ctx.now();
    const at = now.toISOString();
    const once: CommandContext = { ...ctx, now: () => new Date(now.getTime()) };
    assertClockForward(db, at);
    const steps: Steps<ReturnType<AnyHandler>> = cycleCommand(once, input);
    let since = performance.now();
    let r = steps.next();
    while (!r.done) {
      if (performance.now() - since >= pace.sliceMs) {
        await pace.pause();
        const why = pace.cancelled();
        if (why !== null) throw new RuleError('cancelled', why);
        since = performance.now();
      }
      r = steps.next();
    }
    const output = journalled(ctx, channel, input, at, r.value);
    openTransaction.commit(db);
    committed = true;
    // The commit is one long step the door could not answer during; let it answer before the resident book
    // catches up with what the cycle wrote (the door still keeps changes off this connection until it settles).
    await pace.pause();
    return withActions(ctx, channel, output) as OutputOf<'cycle.run'>;
  } catch (e) {
    openTransaction.rollback(db);
    throw e;
  } finally {
    ctx.resident?.settle(committed);
  }
}
