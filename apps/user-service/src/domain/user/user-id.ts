import type { Id } from '@ajla/shared-kernel';

export type UserId = Id<'UserId'>;
