import { CreateUsersTables1763800000000 } from './1763800000000-create-users-tables';

/** Every migration of the `users` schema, oldest first. Add new ones at the end. */
export const userServiceMigrations = [CreateUsersTables1763800000000];
