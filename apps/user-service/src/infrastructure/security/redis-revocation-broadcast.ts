import { Logger, ServiceUnavailableException } from '@nestjs/common';
import type { SessionRevocationPublisher } from '@ajla/auth';
import type { RevocationBroadcast } from '../../application/ports/revocation-broadcast.port';

/**
 * The broadcast on libs/auth's publisher (Redis sorted set + pub/sub, read by every verifier's
 * revocation list). When Redis does not take it the request answers 503: the change is committed,
 * and retrying the request announces it again.
 */
export class RedisRevocationBroadcast implements RevocationBroadcast {
  private readonly logger = new Logger('RevocationBroadcast');

  constructor(private readonly publisher: SessionRevocationPublisher) {}

  async sessionEnded(session: Parameters<RevocationBroadcast['sessionEnded']>[0]): Promise<void> {
    await this.announce(() =>
      this.publisher.sessionRevoked({
        sessionId: session.sessionId,
        userId: session.userId,
        at: session.endedAt,
      }),
    );
  }

  async accessChanged(change: Parameters<RevocationBroadcast['accessChanged']>[0]): Promise<void> {
    await this.announce(() =>
      this.publisher.accessChanged({
        userId: change.userId,
        role: change.role,
        tier: change.tier,
        at: change.changedAt,
      }),
    );
  }

  private async announce(publish: () => Promise<void>): Promise<void> {
    try {
      await publish();
    } catch (error) {
      this.logger.warn(`Could not announce a revocation: ${(error as Error).message}`);
      throw new ServiceUnavailableException(
        'The change is saved but could not be announced yet; try again',
      );
    }
  }
}
