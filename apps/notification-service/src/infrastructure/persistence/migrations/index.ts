import {
  CreateMessagingTables1763900000000,
  CreateSnapshotRequestsTable1765200000000,
} from '@ajla/messaging';
import { CreateNotificationsTables1764600000000 } from './1764600000000-create-notifications-tables';
import { AddNotificationSeq1764650000000 } from './1764650000000-add-notification-seq';
import { CreateMailOutbox1764700000000 } from './1764700000000-create-mail-outbox';
import { CreateWebhooks1765300000000 } from './1765300000000-create-webhooks';
import { WebhookLifecycle1765400000000 } from './1765400000000-webhook-lifecycle';
import { RetentionIndexes1765500000000 } from './1765500000000-retention-indexes';
import { NewRequestsDigest1765600000000 } from './1765600000000-new-requests-digest';
import { SenderLeases1765700000000 } from './1765700000000-sender-leases';
import { DirectoryChangeNotices1765800000000 } from './1765800000000-directory-change-notices';
import { PerRecipientSeq1765900000000 } from './1765900000000-per-recipient-seq';

/** Every migration of the `notifications` schema, oldest first. Add new ones at the end. */
export const notificationServiceMigrations = [
  // The outbox and inbox tables of @ajla/messaging, in this service's schema.
  CreateMessagingTables1763900000000,
  CreateNotificationsTables1764600000000,
  AddNotificationSeq1764650000000,
  CreateMailOutbox1764700000000,
  // snapshot_requests: whether this service asked for the staff snapshot (user.snapshot_requested).
  CreateSnapshotRequestsTable1765200000000,
  CreateWebhooks1765300000000,
  WebhookLifecycle1765400000000,
  RetentionIndexes1765500000000,
  NewRequestsDigest1765600000000,
  SenderLeases1765700000000,
  DirectoryChangeNotices1765800000000,
  PerRecipientSeq1765900000000,
];
