export type { UnitOfWork } from '@ajla/shared-kernel';

export const UNIT_OF_WORK = Symbol('UnitOfWork');
