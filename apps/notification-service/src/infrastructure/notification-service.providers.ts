import type { Provider } from '@nestjs/common';
import {
  EVENT_FILTER,
  outboxUnitOfWorkProvider,
  type IntegrationEventMapper,
} from '@ajla/messaging';
import { systemClock } from '@ajla/shared-kernel';
import { CLOCK } from '../application/ports/clock.port';
import { NotificationServiceConfig } from '../config/notification-service.config';
import { MAIL_PREFERENCES } from '../application/ports/mail-preferences.port';
import { NOTIFICATION_REPOSITORY } from '../domain/notification/notification.repository.port';
import { ACCOUNT_DIRECTORY } from '../domain/account/account-directory.port';
import { TypeOrmNotificationRepository } from './persistence/typeorm-notification.repository';
import { TypeOrmAccountDirectory } from './persistence/typeorm-account-directory';
import { DirectoryCache } from './persistence/directory-cache';
import { ActivityEventFilter } from './messaging/activity-event-filter';
import { NotificationHub } from './realtime/notification-hub';
import { NotificationsGateway } from './realtime/notifications.gateway';
import { MailSender } from './mail/mail-sender';
import { TypeOrmMailOutbox } from './mail/typeorm-mail-outbox';
import { TypeOrmMailPreferences } from './mail/typeorm-mail-preferences';
import { WebhookDeliveries } from './webhooks/webhook-deliveries';
import { NotificationRetention } from './retention/notification-retention';
import { WebhookHealth } from './webhooks/webhook-health';
import { resolveWebhookSecretVault } from './webhooks/webhook-secret-keys';
import { WebhookSecretSealing } from './webhooks/webhook-secret-sealing';
import { WebhookSecretVault } from './webhooks/webhook-secret-vault';
import { WebhookSender } from './webhooks/webhook-sender';
import { WebhookSubscriptions } from './webhooks/webhook-subscriptions';

export const PRODUCER = 'notification-service';

/**
 * The service publishes no events of its domain (its one publication, the request for the staff
 * snapshot, is `@ajla/messaging`'s bookkeeping). A domain event reaching the unit of work would be
 * a mistake, and having no contract it fails the transaction.
 */
const noIntegrationEvents: IntegrationEventMapper = { toIntegrationEvent: () => undefined };

// Ports bound to their adapters.

export const persistenceProviders: Provider[] = [
  outboxUnitOfWorkProvider({ producer: PRODUCER, events: noIntegrationEvents }),
  TypeOrmNotificationRepository,
  { provide: NOTIFICATION_REPOSITORY, useExisting: TypeOrmNotificationRepository },
  DirectoryCache,
  TypeOrmAccountDirectory,
  { provide: ACCOUNT_DIRECTORY, useExisting: TypeOrmAccountDirectory },
];

/** The live socket `/ws/notifications` and its fan-out across replicas. */
export const realtimeProviders: Provider[] = [NotificationHub, NotificationsGateway];

export const clockProviders: Provider[] = [{ provide: CLOCK, useValue: systemClock }];

/** E-mail: the outbox the use cases write, the users' mail preferences, the job that sends it. */
export const mailProviders: Provider[] = [
  TypeOrmMailOutbox,
  TypeOrmMailPreferences,
  { provide: MAIL_PREFERENCES, useExisting: TypeOrmMailPreferences },
  MailSender,
];

/**
 * Webhooks: the vault of their secrets (and the start-up pass that encrypts plain-text ones), the
 * subscriptions, the deliveries the consumer queues, the job that sends them and the failure
 * streaks that turn a webhook off.
 */
export const webhookProviders: Provider[] = [
  {
    provide: WebhookSecretVault,
    useFactory: (config: NotificationServiceConfig) => resolveWebhookSecretVault(config),
    inject: [NotificationServiceConfig],
  },
  WebhookSecretSealing,
  WebhookSubscriptions,
  WebhookDeliveries,
  WebhookHealth,
  WebhookSender,
];

/** Deletes old mail, finished webhook deliveries and expired secrets (nothing grows forever). */
export const retentionProviders: Provider[] = [NotificationRetention];

/** Events that can have no effect here are acknowledged without a transaction. */
export const messagingProviders: Provider[] = [
  ActivityEventFilter,
  { provide: EVENT_FILTER, useExisting: ActivityEventFilter },
];
