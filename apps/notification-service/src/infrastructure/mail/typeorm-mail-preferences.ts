import { Injectable } from '@nestjs/common';
import { OutboxUnitOfWork } from '@ajla/messaging';
import type { EmailSettings, MailPreferences } from '../../application/ports/mail-preferences.port';

/** `notifications.mail_preferences`, written in the consumer's transaction. */
@Injectable()
export class TypeOrmMailPreferences implements MailPreferences {
  constructor(private readonly unitOfWork: OutboxUnitOfWork) {}

  async record(userId: string, email: EmailSettings, asOf: Date): Promise<boolean> {
    // One statement: a late event about an older state changes nothing.
    const rows: unknown[] = await this.unitOfWork.manager.query(
      `INSERT INTO mail_preferences (user_id, email, as_of) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, as_of = EXCLUDED.as_of
         WHERE mail_preferences.as_of < EXCLUDED.as_of
       RETURNING 1`,
      [userId, JSON.stringify(email), asOf],
    );
    return rows.length === 1;
  }
}
