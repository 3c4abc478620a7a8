// Desk roles, weakest first. A command names the least role that may run it; any stronger role may too.
export const ROLES = ['viewer', 'operator', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function roleAllows(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);
