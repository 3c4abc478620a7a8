// User administration and console sessions (issue 14): merged into the contract in contract.ts. Every channel here
// but the change of one's own password needs an admin; a grant of supervisor or admin waits for a second admin.
import { z } from 'zod';
import type { Role } from './roles.ts';
import { ROLES } from './roles.ts';
import { reason, rowId, note } from './schemaParts.ts';
import { defineCommand, returns } from './command.ts';
import type { RefusalCode } from './refusals.ts';

export const userName = z.string().min(1).max(64).regex(/^[a-z][a-z0-9._-]*$/, 'lower-case letters, digits and . _ - only, starting with a letter');
/** A password as it crosses a door (its strength is checked by the command: length, not the user's name). */
export const password = z.string().min(1).max(1024);
const role = z.enum(ROLES);

// ---- outputs ----

export interface UserView {
  name: string;
  role: Role;
  disabled: boolean;
  disabledAt: string | null;
  mustChangePassword: boolean;
  createdAt: string;
  createdBy: string | null;
  openSessions: number;
}

export interface GrantView {
  id: number;
  user: string;
  role: 'supervisor' | 'admin';
  reason: string;
  requestedBy: string;
  requestedAt: string;
  status: 'pending' | 'confirmed' | 'declined';
  decidedBy: string | null;
  decidedAt: string | null;
}

export interface SessionView {
  id: number;
  user: string;
  door: 'browser' | 'window';
  source: string;
  createdAt: string;
}

/** The Settings screen's users tab in one answer, returned again by every change so the screen shows the result. */
export interface UsersView {
  users: UserView[];
  /** Grants waiting for a second admin. */
  grants: GrantView[];
  sessions: SessionView[];
}

/** An admin's change to users, grants or sessions: answered with the whole users view. */
const users = <I extends z.ZodType, const R extends readonly RefusalCode[]>(input: I, refuses: R) =>
  defineCommand({ role: 'admin' as Role, mutates: true, input, output: returns<UsersView>(), emits: [], refuses });

export const adminContract = {
  /** Any signed-in user changes their own password (the only thing a user may do while an admin-set one stands). */
  'session.changePassword': defineCommand({
    role: 'viewer' as Role,
    mutates: true,
    input: z.object({ current: password, next: password }).strict(),
    output: returns<{ name: string; role: Role; mustChangePassword: boolean }>(),
    emits: [],
    refuses: ['conflict', 'not_found'],
  }),
  'users.list': defineCommand({ role: 'admin' as Role, mutates: false, input: z.object({}).strict(), output: returns<UsersView>(), emits: [], refuses: [] }),
  /** A new user, who changes the password at the first sign-in; supervisor or admin is granted by a second admin. */
  'users.create': users(z.object({ name: userName, role, password, reason: reason.optional() }).strict(), ['exists']),
  'users.resetPassword': users(z.object({ name: userName, password, reason }).strict(), ['not_found']),
  'users.disable': users(z.object({ name: userName, reason }).strict(), ['last_admin', 'not_found', 'self', 'state']),
  'users.enable': users(z.object({ name: userName, reason }).strict(), ['not_found', 'state']),
  /** A lower role at once; supervisor or admin as a pending grant another admin confirms. Ends the user's sessions. */
  'users.setRole': users(z.object({ name: userName, role, reason }).strict(), ['last_admin', 'not_found', 'pending', 'state']),
  'users.confirmGrant': users(z.object({ grant: rowId, note: note.optional() }).strict(), ['four_eyes', 'not_found', 'state']),
  /** Declined by another admin, or withdrawn by the one who asked. */
  'users.declineGrant': users(z.object({ grant: rowId, reason }).strict(), ['not_found', 'state']),
  'sessions.revoke': users(z.object({ session: rowId, reason }).strict(), ['not_found']),
} as const;
