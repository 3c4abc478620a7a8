// Desk roles, weakest first: their names, for schemas and for lists a person picks from. What each role may do is
// decided on the server only (main/commands/allowed: roleAllows and the rules built on it); the console is told.
export const ROLES = ['viewer', 'operator', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);
