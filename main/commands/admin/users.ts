// User administration (issue 14 item 3): create, reset a password, disable and enable, change a role, revoke a
// session. A change to what a user may do ends their open sessions in the same transaction, so the door that holds
// one refuses its very next call. Supervisor and admin are granted by a second admin: the first asks, another
// confirms. Passwords are hashed before the transaction (preparers), never journalled.
import type { CommandContext } from '../context.ts';
import type { InputOf } from '../../../shared/contract.ts';
import type { UsersView, UserView } from '../../../shared/contractAdmin.ts';
import { ROLES, type Role } from '../../../shared/roles.ts';
import { RuleError, InputError } from '../../../shared/errors.ts';
import {
  findUser,
  listUsers,
  insertUser,
  setPasswordHash,
  setRole,
  setDisabled,
  activeAdmins,
  insertGrant,
  findGrant,
  pendingGrantOf,
  listGrants,
  decideGrant,
  type UserState,
} from '../../ledger/userRepo.ts';
import { openSessions, findOpenSession, endSessionById, endUserSessions, recordAttempt } from '../../ledger/sessionRepo.ts';
import { hashPassword, verifyPassword, checkNewPassword } from '../passwords.ts';

/** What a preparer hands the handler: the new password's hash, and the stored hash it checked the old one against. */
export interface Prepared {
  passwordHash?: string;
  checkedHash?: string;
}

type Handled = { output: UsersView; journal: { payload?: unknown; result: unknown } };

export function usersView(ctx: CommandContext): UsersView {
  const sessions = openSessions(ctx.db);
  const count = new Map<string, number>();
  for (const s of sessions) count.set(s.user, (count.get(s.user) ?? 0) + 1);
  const users: UserView[] = listUsers(ctx.db).map((u) => ({
    name: u.name,
    role: u.role,
    disabled: u.disabledAt !== null,
    disabledAt: u.disabledAt,
    mustChangePassword: u.mustChangePassword,
    createdAt: u.createdAt,
    createdBy: u.createdBy,
    openSessions: count.get(u.name) ?? 0,
  }));
  const grants = listGrants(ctx.db, true).map(({ note: _note, ...g }) => g);
  return { users, grants, sessions };
}

function userOf(ctx: CommandContext, name: string): UserState {
  const u = findUser(ctx.db, name);
  if (!u) throw new RuleError('not_found', `no user "${name}"`);
  return u;
}

/** Granting supervisor or admin (a step up to either) takes a second admin. */
const needsSecondAdmin = (from: Role, to: Role) => (to === 'supervisor' || to === 'admin') && ROLES.indexOf(to) > ROLES.indexOf(from);

/**
 * The one exception: a ledger's only admin may make a second admin alone, since nobody else could ever confirm one;
 * from then on every grant takes two. (Supervisor grants wait for that second admin.)
 */
function soleAdminBootstrap(ctx: CommandContext, to: Role): boolean {
  const admins = activeAdmins(ctx.db);
  return to === 'admin' && admins.length === 1 && admins[0] === ctx.actor.name;
}

/** The last admin who can sign in cannot be disabled or demoted: nobody could administer the ledger again. */
function keepAnAdmin(ctx: CommandContext, u: UserState, what: string): void {
  if (u.role === 'admin' && u.disabledAt === null && activeAdmins(ctx.db).length <= 1) {
    throw new RuleError('last_admin', `${u.name} is the last admin who can sign in: ${what} would leave nobody to administer the ledger`);
  }
}

function endSessions(ctx: CommandContext, user: string, why: string): number[] {
  return endUserSessions(ctx.db, user, ctx.actor.name, why, ctx.now().toISOString());
}

/**
 * The journal records the input as its payload (so that verify --deep replays it as given) and what the command
 * decided as its result. A password channel records, instead of its input, the input without the password and with
 * the hash it stored.
 */
function done(ctx: CommandContext, result: unknown, payload?: unknown): Handled {
  return { output: usersView(ctx), journal: payload === undefined ? { result } : { payload, result } };
}

// ---- preparers (async, before the transaction) ----

export async function prepareNewPassword(_ctx: CommandContext, input: { name: string; password: string }): Promise<Prepared> {
  checkNewPassword(input.password, input.name);
  return { passwordHash: await hashPassword(input.password) };
}

export async function prepareChangePassword(ctx: CommandContext, input: InputOf<'session.changePassword'>): Promise<Prepared> {
  const u = userOf(ctx, ctx.actor.name);
  if (!(await verifyPassword(input.current, u.passwordHash))) throw new RuleError('bad_credentials', 'the current password is wrong');
  checkNewPassword(input.next, u.name, 'next');
  if (input.next === input.current) throw new InputError('the new password must differ from the current one', { field: 'next' });
  return { passwordHash: await hashPassword(input.next), checkedHash: u.passwordHash };
}

function hashOf(prepared: Prepared | undefined): string {
  if (!prepared?.passwordHash) throw new Error('a password channel ran without its hash: use dispatchAsync');
  return prepared.passwordHash;
}

// ---- handlers (one transaction each, journalled by dispatch with the payload given here) ----

export function changePassword(ctx: CommandContext, _input: InputOf<'session.changePassword'>, prepared?: Prepared) {
  const u = userOf(ctx, ctx.actor.name);
  if (u.passwordHash !== prepared?.checkedHash) throw new RuleError('conflict', 'the password was changed meanwhile: sign in again');
  setPasswordHash(ctx.db, u.name, hashOf(prepared), false);
  // The hash, never the password, so that verify --deep can write the same row again (as ledger.init does).
  return { output: { name: u.name, role: u.role, mustChangePassword: false }, journal: { payload: { name: u.name, passwordHash: hashOf(prepared) } } };
}

export function createUser(ctx: CommandContext, input: InputOf<'users.create'>, prepared?: Prepared): Handled {
  if (findUser(ctx.db, input.name)) throw new RuleError('exists', `a user "${input.name}" already exists`);
  const bootstrap = soleAdminBootstrap(ctx, input.role);
  const grant = needsSecondAdmin('viewer', input.role) && !bootstrap;
  const at = ctx.now().toISOString();
  // Created as a viewer when the role asked for needs a second admin: the grant waits for one.
  const role: Role = grant ? 'viewer' : input.role;
  insertUser(ctx.db, { name: input.name, role, passwordHash: hashOf(prepared), createdAt: at, createdBy: ctx.actor.name, mustChangePassword: true });
  const reason = input.reason ?? `new user ${input.name}`;
  const grantId = grant ? insertGrant(ctx.db, { user: input.name, role: input.role as 'supervisor' | 'admin', reason, by: ctx.actor.name, at }) : null;
  return done(
    ctx,
    { name: input.name, role: input.role, grant: grantId, ...(bootstrap ? { soleAdmin: true } : {}) },
    { name: input.name, role: input.role, ...(input.reason !== undefined ? { reason: input.reason } : {}), passwordHash: hashOf(prepared) },
  );
}

export function resetPassword(ctx: CommandContext, input: InputOf<'users.resetPassword'>, prepared?: Prepared): Handled {
  const u = userOf(ctx, input.name);
  setPasswordHash(ctx.db, u.name, hashOf(prepared), true);
  // The reset also lifts a lockout: the user's failures before it no longer count.
  recordAttempt(ctx.db, { at: ctx.now().toISOString(), user: u.name, source: `admin:${ctx.actor.name}`, outcome: 'cleared' });
  const ended = endSessions(ctx, u.name, 'password reset');
  return done(ctx, { name: u.name, sessionsEnded: ended }, { name: u.name, reason: input.reason, passwordHash: hashOf(prepared) });
}

export function disableUser(ctx: CommandContext, input: InputOf<'users.disable'>): Handled {
  const u = userOf(ctx, input.name);
  if (u.name === ctx.actor.name) throw new RuleError('self', 'an admin cannot disable their own user: ask another admin');
  if (u.disabledAt) throw new RuleError('state', `${u.name} is already disabled`);
  keepAnAdmin(ctx, u, 'disabling them');
  setDisabled(ctx.db, u.name, ctx.now().toISOString());
  const ended = endSessions(ctx, u.name, `disabled: ${input.reason}`);
  return done(ctx, { name: u.name, reason: input.reason, sessionsEnded: ended });
}

export function enableUser(ctx: CommandContext, input: InputOf<'users.enable'>): Handled {
  const u = userOf(ctx, input.name);
  if (!u.disabledAt) throw new RuleError('state', `${u.name} is not disabled`);
  setDisabled(ctx.db, u.name, null);
  return done(ctx, { name: u.name, reason: input.reason });
}

export function changeRole(ctx: CommandContext, input: InputOf<'users.setRole'>): Handled {
  const u = userOf(ctx, input.name);
  if (u.role === input.role) throw new RuleError('state', `${u.name} is already ${u.role}`);
  const bootstrap = soleAdminBootstrap(ctx, input.role);
  if (needsSecondAdmin(u.role, input.role) && !bootstrap) {
    const pending = pendingGrantOf(ctx.db, u.name);
    if (pending) throw new RuleError('pending', `grant ${pending.id} (${pending.role} for ${u.name}, asked by ${pending.requestedBy}) is waiting for a second admin`);
    const id = insertGrant(ctx.db, { user: u.name, role: input.role as 'supervisor' | 'admin', reason: input.reason, by: ctx.actor.name, at: ctx.now().toISOString() });
    return done(ctx, { name: u.name, role: input.role, reason: input.reason, grant: id });
  }
  keepAnAdmin(ctx, u, `making them ${input.role}`);
  setRole(ctx.db, u.name, input.role);
  const ended = endSessions(ctx, u.name, `role changed from ${u.role} to ${input.role}`);
  return done(ctx, { name: u.name, from: u.role, role: input.role, reason: input.reason, sessionsEnded: ended, ...(bootstrap ? { soleAdmin: true } : {}) });
}

function pendingGrant(ctx: CommandContext, id: number) {
  const g = findGrant(ctx.db, id);
  if (!g) throw new RuleError('not_found', `no role grant ${id}`);
  if (g.status !== 'pending') throw new RuleError('state', `role grant ${id} is already ${g.status}`);
  return g;
}

export function confirmGrant(ctx: CommandContext, input: InputOf<'users.confirmGrant'>): Handled {
  const g = pendingGrant(ctx, input.grant);
  if (g.requestedBy === ctx.actor.name) {
    throw new RuleError('four_eyes', `${ctx.actor.name} asked for grant ${g.id} (${g.role} for ${g.user}): a second admin must confirm it`);
  }
  const u = userOf(ctx, g.user);
  if (u.disabledAt) throw new RuleError('state', `${u.name} is disabled: enable them before granting ${g.role}`);
  setRole(ctx.db, u.name, g.role);
  decideGrant(ctx.db, g.id, 'confirmed', ctx.actor.name, ctx.now().toISOString(), input.note ?? '');
  const ended = endSessions(ctx, u.name, `role changed from ${u.role} to ${g.role}`);
  return done(ctx, { grant: g.id, name: u.name, from: u.role, role: g.role, asked: g.requestedBy, sessionsEnded: ended });
}

export function declineGrant(ctx: CommandContext, input: InputOf<'users.declineGrant'>): Handled {
  const g = pendingGrant(ctx, input.grant);
  decideGrant(ctx.db, g.id, 'declined', ctx.actor.name, ctx.now().toISOString(), input.reason);
  return done(ctx, { grant: g.id, name: g.user, role: g.role, reason: input.reason, withdrawn: g.requestedBy === ctx.actor.name });
}

export function revokeSession(ctx: CommandContext, input: InputOf<'sessions.revoke'>): Handled {
  const s = findOpenSession(ctx.db, input.session);
  if (!s) throw new RuleError('not_found', `no open session ${input.session}`);
  endSessionById(ctx.db, s.id, ctx.actor.name, `revoked: ${input.reason}`, ctx.now().toISOString());
  return done(ctx, { session: s.id, user: s.user, reason: input.reason });
}
