import type { Id } from '@ajla/shared-kernel';

/** An account of user-service: a client, an agent or an admin. */
export type UserId = Id<'UserId'>;
