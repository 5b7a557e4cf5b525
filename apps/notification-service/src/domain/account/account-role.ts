/** The role of an account, as user-service gives it: a client (`user`) or staff (`agent`, `admin`). */
export type AccountRole = 'user' | 'agent' | 'admin';
