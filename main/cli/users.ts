// `riskdesk users ...`, `riskdesk sessions ...` and `riskdesk password`: user administration from the command line,
// through the same command layer as the Settings screen. A new password comes from RISKDESK_NEW_PASSWORD (scripts)
// or is asked twice at the terminal; it is never an argument (argv is visible to every user of the machine). Each form
// is one channel (oneChannel.ts).
import type { UsersView } from '../../shared/contractAdmin.ts';
import { InputError } from '../../shared/errors.ts';
import { table } from '../text/table.ts';
import type { CliIo, Writer } from './io.ts';
import { readPassword } from './password.ts';
import { oneChannel as command, type ChannelCommand, type RunContext } from './oneChannel.ts';

async function newPassword(io: CliIo, who: string): Promise<string> {
  const env = io.env.RISKDESK_NEW_PASSWORD;
  if (env !== undefined) return env;
  if (!io.stdin.isTTY) throw new InputError('no new password: set RISKDESK_NEW_PASSWORD or run in a terminal to be asked');
  const first = await readPassword(io, `new password for ${who}: `);
  if ((await readPassword(io, 'the same again: ')) !== first) throw new InputError('the two passwords differ');
  return first;
}

function printUsers(out: Writer, v: UsersView): void {
  table(
    out,
    ['user', 'role', 'state', 'sessions', 'created', 'by'],
    v.users.map((u) => [u.name, u.role, u.disabled ? 'disabled' : u.mustChangePassword ? 'must change password' : 'active', String(u.openSessions), u.createdAt, u.createdBy ?? '']),
  );
  if (v.grants.length) {
    out.write('\ngrants waiting for a second admin:\n');
    table(out, ['grant', 'user', 'role', 'asked by', 'at', 'reason'], v.grants.map((g) => [String(g.id), g.user, g.role, g.requestedBy, g.requestedAt, g.reason]));
  }
}

function printSessions(out: Writer, v: UsersView): void {
  table(out, ['session', 'user', 'door', 'source', 'since'], v.sessions.map((s) => [String(s.id), s.user, s.door, s.source, s.createdAt]));
}

/** A user's new password: asked at the terminal or read from RISKDESK_NEW_PASSWORD, never a flag. */
const withNewPassword = { fills: ['password'], complete: async (input: Record<string, unknown>, run: RunContext) => ({ ...input, password: await newPassword(run.io, String(input.name)) }) };

/** The user a form acts on, as the schema allows a name. */
const NAMED = { fields: { name: { placeholder: 'U', means: 'a user name: lower-case letters, digits and . _ -, starting with a letter' } } };

const printChanged = (out: Writer, r: { name: string }) => out.write(`password changed for ${r.name}\n`);

export const USER_COMMANDS: readonly ChannelCommand[] = [
  command('users list', 'users.list', 'users, their state and the grants waiting for a second admin', printUsers, { isDefault: true }),
  command('users create', 'users.create', 'a new user, who changes the password at first sign-in', printUsers, { ...withNewPassword, ...NAMED }),
  command('users reset-password', 'users.resetPassword', "a new password for a user (ends the user's sessions)", printUsers, { ...withNewPassword, ...NAMED }),
  command('users disable', 'users.disable', "disable a user (ends the user's sessions)", printUsers, NAMED),
  command('users enable', 'users.enable', 'enable a disabled user', printUsers, NAMED),
  command('users role', 'users.setRole', 'supervisor or admin: a grant a second admin confirms', printUsers, NAMED),
  command('users confirm-grant', 'users.confirmGrant', 'confirm a grant (a second, different admin)', printUsers),
  command('users decline-grant', 'users.declineGrant', 'decline a grant', printUsers),
  command('sessions list', 'users.list', 'open console sessions', printSessions, { isDefault: true, json: (v) => (v as UsersView).sessions }),
  command('sessions revoke', 'sessions.revoke', 'end a console session at once', printSessions, { json: (v) => (v as UsersView).sessions }),
  command('password', 'session.changePassword', 'change your own password (the new one from RISKDESK_NEW_PASSWORD, or asked twice)', printChanged, {
    // The current password is the sign-in's (--as USER); the new one is asked for, never an argument.
    fills: ['current', 'next'],
    complete: async (_input, run) => {
      if (run.as === undefined) throw new InputError('--as is required: the user whose password changes', { field: 'as' });
      return { current: await run.password(), next: await newPassword(run.io, run.as) };
    },
  }),
];
