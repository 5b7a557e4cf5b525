export const MAIL_PREFERENCES = Symbol('MailPreferences');

/** Per event type, whether a user is mailed about it (an event not listed is). */
export type EmailSettings = Readonly<Record<string, boolean>>;

/** Which events each user is mailed about, as user-service last told it. */
export interface MailPreferences {
  /** Keeps `email` for the user unless a newer state is held; true when it was kept. */
  record(userId: string, email: EmailSettings, asOf: Date): Promise<boolean>;
}
