import type { Id } from '@ajla/shared-kernel';

/** An account of user-service: a client who owns requests, or a staff member who works on them. */
export type UserId = Id<'UserId'>;
