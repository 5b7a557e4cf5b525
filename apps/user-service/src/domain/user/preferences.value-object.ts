import { ValidationError, ValueObject } from '@ajla/shared-kernel';

/** Serialised size limit: preferences are settings, not a document store. */
export const PREFERENCES_MAX_BYTES = 16 * 1024;
const MAX_DEPTH = 8;

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * The events a user may turn mail off for, in the `notifications` part of their preferences:
 * `{"notifications": {"email": {"request.assigned": false}}}`. An event not listed is mailed.
 * This part is validated and published (in `user.updated`); the rest is free-form and private.
 */
export const MAILED_EVENTS = [
  'request.submitted',
  'request.assigned',
  'request.status_changed',
  'message.created',
] as const;
export type MailedEvent = (typeof MAILED_EVENTS)[number];

/** Per channel (only e-mail exists), the events turned on (true) or off (false). */
export interface NotificationSettings {
  email: Partial<Record<MailedEvent, boolean>>;
}

/** A client's free-form settings: a JSON object of bounded size and depth. */
export class Preferences extends ValueObject<{ json: string }> {
  static readonly empty = new Preferences('{}');

  private constructor(json: string) {
    super({ json });
  }

  static create(raw: unknown): Preferences {
    if (!isPlainObject(raw)) {
      throw new ValidationError('preferences must be a JSON object', 'invalid_preferences');
    }
    if (nestsDeeperThan(raw, MAX_DEPTH)) {
      throw new ValidationError(
        `preferences must not nest deeper than ${MAX_DEPTH} levels`,
        'invalid_preferences',
      );
    }
    if ('notifications' in raw) checkNotificationSettings(raw.notifications);
    const json = JSON.stringify(raw);
    if (new TextEncoder().encode(json).length > PREFERENCES_MAX_BYTES) {
      throw new ValidationError(
        `preferences must not exceed ${PREFERENCES_MAX_BYTES} bytes of JSON`,
        'preferences_too_large',
      );
    }
    return new Preferences(json);
  }

  /** A fresh copy each time, so callers cannot mutate the value object. */
  toJSON(): JsonObject {
    return JSON.parse(this.props.json) as JsonObject;
  }
}

/** The notification part of `preferences` (every event mailed when there is none). */
export function notificationSettingsOf(preferences: JsonObject): NotificationSettings {
  const email = (preferences.notifications as { email?: NotificationSettings['email'] } | undefined)
    ?.email;
  return { email: { ...email } };
}

function checkNotificationSettings(value: unknown): void {
  const refuse = (detail: string) => {
    throw new ValidationError(`preferences.notifications ${detail}`, 'invalid_preferences');
  };
  if (!isPlainObject(value)) return refuse('must be an object, e.g. {"email": {...}}');
  for (const [channel, events] of Object.entries(value)) {
    if (channel !== 'email') refuse(`has no channel "${channel.slice(0, 50)}" (only "email")`);
    if (!isPlainObject(events)) return refuse('.email must be an object of event types');
    for (const [event, on] of Object.entries(events)) {
      if (!(MAILED_EVENTS as readonly string[]).includes(event)) {
        refuse(`.email: "${event.slice(0, 50)}" is not one of ${MAILED_EVENTS.join(', ')}`);
      }
      if (typeof on !== 'boolean') refuse(`.email["${event}"] must be true or false`);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Stops at the limit, so a hostile, very deep value costs no more than a legal one. */
function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (levels === 0) return true;
  return Object.values(value as object).some((child) => nestsDeeperThan(child, levels - 1));
}
