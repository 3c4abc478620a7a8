// `riskdesk users ...`, `riskdesk sessions ...` and `riskdesk password`: user administration from the command line,
// through the same command layer as the Settings screen. A new password comes from RISKDESK_NEW_PASSWORD (scripts)
// or is asked twice at the terminal; it is never an argument (argv is visible to every user of the machine).
import type { UsersView } from '../../shared/contractAdmin.ts';
import { InputError } from '../../shared/errors.ts';
import type { CliDoor } from './liquidations.ts';
import { table } from '../text/table.ts';
import type { CliIo } from './io.ts';
import { readPassword } from './password.ts';

async function newPassword(io: CliIo, who: string): Promise<string> {
  const env = io.env.RISKDESK_NEW_PASSWORD;
  if (env !== undefined) return env;
  if (!io.stdin.isTTY) throw new InputError('no new password: set RISKDESK_NEW_PASSWORD or run in a terminal to be asked');
  const first = await readPassword(io, `new password for ${who}: `);
  if ((await readPassword(io, 'the same again: ')) !== first) throw new InputError('the two passwords differ');
  return first;
}

function printUsers(door: CliDoor, v: UsersView): void {
  if (door.json) {
    door.io.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
    return;
  }
  table(
    door.io.stdout,
    ['user', 'role', 'state', 'sessions', 'created', 'by'],
    v.users.map((u) => [u.name, u.role, u.disabled ? 'disabled' : u.mustChangePassword ? 'must change password' : 'active', String(u.openSessions), u.createdAt, u.createdBy ?? '']),
  );
  if (v.grants.length) {
    door.io.stdout.write('\ngrants waiting for a second admin:\n');
    table(door.io.stdout, ['grant', 'user', 'role', 'asked by', 'at', 'reason'], v.grants.map((g) => [String(g.id), g.user, g.role, g.requestedBy, g.requestedAt, g.reason]));
  }
}

export async function usersCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub = 'list'] = rest;
  const name = () => door.need('name', 'the user');
  const reason = () => door.need('reason', 'why');
  const grant = () => {
    const v = door.need('grant', 'the grant id');
    if (!/^[1-9]\d{0,15}$/.test(v)) throw new InputError(`--grant must be an id (a positive whole number), not "${v}"`, { field: 'grant' });
    return Number(v);
  };
  let v: unknown;
  switch (sub) {
    case 'list':
      v = await door.run('users.list', {});
      break;
    case 'create': {
      const n = name();
      const payload: Record<string, unknown> = { name: n, role: door.need('role', 'the role'), password: await newPassword(door.io, n) };
      const r = door.opt('reason');
      if (typeof r === 'string') payload.reason = r;
      v = await door.run('users.create', payload);
      break;
    }
    case 'reset-password': {
      const n = name();
      v = await door.run('users.resetPassword', { name: n, password: await newPassword(door.io, n), reason: reason() });
      break;
    }
    case 'disable':
    case 'enable':
      v = await door.run(sub === 'disable' ? 'users.disable' : 'users.enable', { name: name(), reason: reason() });
      break;
    case 'role':
      v = await door.run('users.setRole', { name: name(), role: door.need('role', 'the new role'), reason: reason() });
      break;
    case 'confirm-grant': {
      const note = door.opt('note');
      v = await door.run('users.confirmGrant', { grant: grant(), ...(typeof note === 'string' ? { note } : {}) });
      break;
    }
    case 'decline-grant':
      v = await door.run('users.declineGrant', { grant: grant(), reason: reason() });
      break;
    default:
      throw new InputError(`unknown users subcommand "${sub}": list, create, reset-password, disable, enable, role, confirm-grant, decline-grant`);
  }
  printUsers(door, v as UsersView);
  return 0;
}

export async function sessionsCli(door: CliDoor, rest: string[]): Promise<number> {
  const [sub = 'list'] = rest;
  let v: UsersView;
  if (sub === 'list') v = (await door.run('users.list', {})) as UsersView;
  else if (sub === 'revoke') {
    const s = door.need('session', 'the session id');
    if (!/^[1-9]\d{0,15}$/.test(s)) throw new InputError(`--session must be an id (a positive whole number), not "${s}"`, { field: 'session' });
    v = (await door.run('sessions.revoke', { session: Number(s), reason: door.need('reason', 'why') })) as UsersView;
  } else throw new InputError(`unknown sessions subcommand "${sub}": list, revoke`);
  if (door.json) door.io.stdout.write(`${JSON.stringify(v.sessions, null, 2)}\n`);
  else table(door.io.stdout, ['session', 'user', 'door', 'source', 'since'], v.sessions.map((s) => [String(s.id), s.user, s.door, s.source, s.createdAt]));
  return 0;
}

/** `riskdesk password --as USER`: the signed-in user's own new password (the current one is the sign-in's). */
export async function passwordCli(door: CliDoor, current: string, who: string): Promise<number> {
  const r = await door.run('session.changePassword', { current, next: await newPassword(door.io, who) });
  if (door.json) door.io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else door.io.stdout.write(`password changed for ${who}\n`);
  return 0;
}
