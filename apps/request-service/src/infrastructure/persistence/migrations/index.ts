import {
  CreateMessagingTables1763900000000,
  CreateSnapshotRequestsTable1765200000000,
} from '@ajla/messaging';
import { CreateRequestsTables1764000000000 } from './1764000000000-create-requests-tables';
import { KeepEveryAccount1765300000000 } from './1765300000000-keep-every-account';

/** Every migration of the `requests` schema, oldest first. Add new ones at the end. */
export const requestServiceMigrations = [
  // The outbox and inbox tables of @ajla/messaging, in this service's schema.
  CreateMessagingTables1763900000000,
  CreateRequestsTables1764000000000,
  // snapshot_requests: whether this service asked for the staff snapshot (user.snapshot_requested).
  CreateSnapshotRequestsTable1765200000000,
  // staff_members becomes accounts: every account, clients too, so that a demotion holds.
  KeepEveryAccount1765300000000,
];
