import { Inject, Injectable } from '@nestjs/common';
import type { NotificationPreferencesV1 } from '@ajla/contracts';
import { MAIL_PREFERENCES, type MailPreferences } from '../ports/mail-preferences.port';

/** A user's notification preferences, as a `user.updated` event carries them. */
export interface RecordMailPreferencesCommand {
  userId: string;
  preferences: NotificationPreferencesV1;
  /** `updated_at` of the event: an older state never replaces a newer one. */
  asOf: Date;
}

/**
 * Keeps which events a user wants by e-mail; the mail sender skips the rest (at send time, so a
 * change also holds for mail still waiting).
 */
@Injectable()
export class RecordMailPreferencesHandler {
  constructor(@Inject(MAIL_PREFERENCES) private readonly preferences: MailPreferences) {}

  execute({ userId, preferences, asOf }: RecordMailPreferencesCommand): Promise<boolean> {
    return this.preferences.record(userId, preferences.email, asOf);
  }
}
