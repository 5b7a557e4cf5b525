export type { Clock } from '@ajla/shared-kernel';

export const CLOCK = Symbol('Clock');
