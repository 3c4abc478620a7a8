// User administration's channels, merged into the command layer's table; the password channels' preparers too.
import type { Handlers } from '../handlers.ts';
import type { adminContract } from '../../../shared/contractAdmin.ts';
import * as users from './users.ts';

type AdminChannel = keyof typeof adminContract;

export const adminHandlers: Pick<Handlers, AdminChannel> = {
  'session.changePassword': users.changePassword,
  'users.list': (ctx) => ({ output: users.usersView(ctx) }),
  'users.create': users.createUser,
  'users.resetPassword': users.resetPassword,
  'users.disable': users.disableUser,
  'users.enable': users.enableUser,
  'users.setRole': users.changeRole,
  'users.confirmGrant': users.confirmGrant,
  'users.declineGrant': users.declineGrant,
  'sessions.revoke': users.revokeSession,
};

/** Channels that carry a password: hashed (or checked) off the event loop before their transaction. */
export const adminPreparers = {
  'session.changePassword': users.prepareChangePassword,
  'users.create': users.prepareNewPassword,
  'users.resetPassword': users.prepareNewPassword,
} as const;
