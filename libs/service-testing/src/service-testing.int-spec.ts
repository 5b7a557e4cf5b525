import { existsSync } from 'node:fs';
import { AccessTokenVerifier, AuthConfig } from '@ajla/auth';
import { createEnvelope } from '@ajla/contracts';
import { loadConfig } from '@ajla/platform';
import { newId } from '@ajla/shared-kernel';
// Test-only dependency on the test helpers (the boundary rule does not tell spec files apart).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { waitFor } from '@ajla/testing';
import { TestEventBus } from './test-event-bus';
import { TestTokens } from './test-tokens';

jest.setTimeout(30_000);

describe('TestEventBus (real RabbitMQ)', () => {
  it('taps what is published on the run exchange, and removes it all on close', async () => {
    const bus = await TestEventBus.open('service-testing');
    const other = await TestEventBus.open('service-testing');
    try {
      const tapped = await bus.tap('user.*');
      const elsewhere = await other.tap('user.*');
      const event = createEnvelope(
        'user.snapshot_requested',
        { requested_by: 'service-testing' },
        { producer: 'service-testing' },
      );
      bus.publish(event);
      const [message] = await waitFor(() => (tapped.length > 0 ? tapped : undefined), 10_000);
      expect(message!.properties).toMatchObject({ messageId: event.id, type: event.type });
      expect(JSON.parse(message!.content.toString())).toEqual(event);
      expect(elsewhere).toEqual([]); // another run's exchange heard nothing

      const queue = `service-testing-${newId()}.events`;
      expect(await bus.hasQueue(queue)).toBe(false);
      await bus.channel.assertQueue(queue, { durable: true });
      expect(await bus.hasQueue(queue)).toBe(true);
      await bus.close([{ messagingName: queue.replace(/\.events$/, ''), retryDelaysMs: [] }]);
      expect(await other.hasQueue(queue)).toBe(false);
    } finally {
      await other.close();
    }
  });
});

describe('TestTokens', () => {
  it('signs access tokens that the services verify with the run keys', async () => {
    const tokens = await TestTokens.create('service-testing');
    try {
      const account = await tokens.account('agent');
      const verifier = await AccessTokenVerifier.fromConfig(
        loadConfig(AuthConfig, { JWT_KEYS_DIR: tokens.keysDir }),
      );
      expect(await verifier.verify(account.token)).toMatchObject({
        id: account.id,
        role: 'agent',
        sessionId: account.sessionId,
      });
    } finally {
      tokens.dispose();
    }
    expect(existsSync(tokens.keysDir)).toBe(false);
  });
});
