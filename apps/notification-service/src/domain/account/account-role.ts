export const ACCOUNT_ROLE_NAMES = ['user', 'agent', 'admin'] as const;

/** The role of an account, as user-service gives it: a client (`user`) or staff (`agent`, `admin`). */
export type AccountRole = (typeof ACCOUNT_ROLE_NAMES)[number];

export function isStaffRole(role: AccountRole): boolean {
  return role === 'agent' || role === 'admin';
}
