import { CreateMessagingTables1763900000000 } from '@ajla/messaging';
import { CreateUsersTables1763800000000 } from './1763800000000-create-users-tables';
import { AddUsersHasBeenStaff1765200000000 } from './1765200000000-add-users-has-been-staff';

/** Every migration of the `users` schema, oldest first. Add new ones at the end. */
export const userServiceMigrations = [
  CreateUsersTables1763800000000,
  // outbox_messages and inbox_messages in the users schema.
  CreateMessagingTables1763900000000,
  AddUsersHasBeenStaff1765200000000,
];
