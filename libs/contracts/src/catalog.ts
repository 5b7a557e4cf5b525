import type { z } from 'zod';
import {
  RequestAssignedV1,
  RequestStatusChangedV1,
  RequestSubmittedV1,
} from './events/request-events';
import { ConversationStartedV1, MessageCreatedV1 } from './events/conversation-events';
import {
  UserRegisteredV1,
  UserSnapshotRequestedV1,
  UserSnapshotV1,
  UserUpdatedV1,
} from './events/user-events';

/**
 * Every integration event: its routing key (`<context>.<event>`, also the envelope's `type`), the
 * version producers publish now, and the schema of each version consumers still accept. A new
 * version is added beside the old ones; `current` moves once every consumer reads it.
 */
export const EVENT_CATALOG = {
  'user.registered': { current: 1, versions: { 1: UserRegisteredV1 } },
  'user.updated': { current: 1, versions: { 1: UserUpdatedV1 } },
  'user.snapshot_requested': { current: 1, versions: { 1: UserSnapshotRequestedV1 } },
  'user.snapshot': { current: 1, versions: { 1: UserSnapshotV1 } },
  'request.submitted': { current: 1, versions: { 1: RequestSubmittedV1 } },
  'request.assigned': { current: 1, versions: { 1: RequestAssignedV1 } },
  'request.status_changed': { current: 1, versions: { 1: RequestStatusChangedV1 } },
  'conversation.started': { current: 1, versions: { 1: ConversationStartedV1 } },
  'message.created': { current: 1, versions: { 1: MessageCreatedV1 } },
} as const satisfies Record<string, { current: number; versions: Record<number, z.ZodType> }>;

type Catalog = typeof EVENT_CATALOG;

/** A routing key of AJLA's event exchange, e.g. `request.submitted`. */
export type RoutingKey = keyof Catalog;

export const ROUTING_KEYS = Object.keys(EVENT_CATALOG) as readonly RoutingKey[];

export function isRoutingKey(value: unknown): value is RoutingKey {
  return typeof value === 'string' && Object.hasOwn(EVENT_CATALOG, value);
}

/** The `data` of an event of type `K`, in the version producers publish now. */
export type EventData<K extends RoutingKey> = z.infer<
  Catalog[K]['versions'][Catalog[K]['current']]
>;

/** The version of `type` that producers publish now. */
export function currentVersion(type: RoutingKey): number {
  return EVENT_CATALOG[type].current;
}

/** The schema of `data` for a (type, version), or undefined when that version does not exist. */
export function dataSchema(type: RoutingKey, version: number): z.ZodType | undefined {
  const versions: Record<number, z.ZodType> = EVENT_CATALOG[type].versions;
  return Object.hasOwn(versions, version) ? versions[version] : undefined;
}
