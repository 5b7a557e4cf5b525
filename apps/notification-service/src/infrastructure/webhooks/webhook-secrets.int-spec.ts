import { createHmac, randomBytes } from 'node:crypto';
import { loadConfig } from '@ajla/platform';
import { waitFor } from '@ajla/testing';
import { submittedEvent } from '../../../test/events';
import { ServiceHarness, type Account } from '../../../test/harness';
import { type Received, WebhookReceiver } from '../../../test/webhook-receiver';
import { NotificationServiceCliConfig } from '../../config/notification-service.config';
import { reencryptSecretsCommand } from './reencrypt-secrets.command';
import { keyIdOf, WebhookSecretVault } from './webhook-secret-vault';

jest.setTimeout(60_000);

/** The key the service seals with, and an older one it still decrypts with (a key rotation). */
const CURRENT_KEY = randomBytes(32);
const OLD_KEY = randomBytes(32);

/** Whether a delivery carries valid signatures of `secret`, both ways. */
function signedWith(got: Received, secret: string): boolean {
  const [t, ...ajla] = (got.headers['x-ajla-signature'] as string).split(',');
  const ajlaOk = ajla.includes(
    `v1=${createHmac('sha256', secret)
      .update(`${t.slice(2)}.${got.body}`)
      .digest('hex')}`,
  );
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const standard = createHmac('sha256', key)
    .update(`${got.headers['webhook-id']}.${got.headers['webhook-timestamp']}.${got.body}`)
    .digest('base64');
  const standardOk = (got.headers['webhook-signature'] as string)
    .split(' ')
    .includes(`v1,${standard}`);
  return ajlaOk && standardOk;
}

/** Webhook signing secrets at rest: encrypted, bound to their webhook, re-encrypted on demand. */
describe('webhook secrets encrypted at rest (real Postgres, RabbitMQ and receiver)', () => {
  const harness = new ServiceHarness();
  const receiver = new WebhookReceiver();
  let admin: Account;
  let client: Account;

  const create = async () => {
    const res = await harness.call('POST', '/api/v1/admin/webhooks', {
      as: admin,
      body: { url: receiver.url, events: ['request.submitted'] },
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; secret: string };
  };

  /** Every stored secret of a webhook: its current one first, then the previous ones. */
  const stored = async (id: string): Promise<string[]> => {
    const { rows } = await harness.sql.query(
      `SELECT secret FROM notifications.webhook_subscriptions WHERE id = $1
       UNION ALL
       SELECT secret FROM notifications.webhook_previous_secrets WHERE subscription_id = $1`,
      [id],
    );
    return rows.map((row: { secret: string }) => row.secret);
  };

  /** The delivery to `webhookId` of a new request.submitted, once received. */
  const nextDelivery = async (webhookId: string): Promise<Received> => {
    const event = submittedEvent(client.id);
    harness.publish(event);
    return waitFor(async () => {
      const { rows } = await harness.sql.query(
        `SELECT id FROM notifications.webhook_deliveries WHERE subscription_id = $1 AND event_id = $2`,
        [webhookId, event.id],
      );
      return rows.length > 0 && receiver.ofDelivery(rows[0].id as string)[0];
    });
  };

  const reencrypt = async (env: Record<string, string>) => {
    const lines: string[] = [];
    const status = await reencryptSecretsCommand({
      config: loadConfig(NotificationServiceCliConfig, {
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: harness.db.url,
        ...env,
      }),
      args: [],
      out: (line) => lines.push(line),
    });
    return { status, lines };
  };

  beforeAll(async () => {
    await receiver.start();
    await harness.setUp('webhook_secrets', {
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_INTERVAL_MS: '100',
      WEBHOOK_SECRETS_KEY: CURRENT_KEY.toString('base64'),
      WEBHOOK_SECRETS_KEYS: OLD_KEY.toString('base64'),
    });
    [admin, client] = await Promise.all([harness.account('admin'), harness.account('user')]);
  });

  afterAll(async () => {
    await harness.tearDown();
    await receiver.stop();
  });

  afterEach(() => harness.sql.query('DELETE FROM notifications.webhook_subscriptions'));

  it('stores no secret in the clear, and signs with the one shown at creation', async () => {
    const hook = await create();
    const [secret] = await stored(hook.id);
    expect(secret).toMatch(/^v1\.[0-9a-f]{16}\.[\w-]{16}\.[\w-]+$/);
    expect(secret.split('.')[1]).toBe(keyIdOf(CURRENT_KEY));
    expect(secret).not.toContain('whsec_');
    expect(secret).not.toContain(hook.secret.slice('whsec_'.length));
    expect(signedWith(await nextDelivery(hook.id), hook.secret)).toBe(true);
  });

  it('keeps both secrets encrypted through a rotation, and signs with both during the overlap', async () => {
    const hook = await create();
    const rotated = await harness.call('POST', `/api/v1/admin/webhooks/${hook.id}/rotate-secret`, {
      as: admin,
      body: {},
    });
    expect(rotated.status).toBe(200);
    const secrets = await stored(hook.id);
    expect(secrets).toHaveLength(2);
    for (const secret of secrets) expect(secret).toMatch(/^v1\./);
    expect(secrets.join()).not.toContain('whsec_');
    const got = await nextDelivery(hook.id);
    expect(signedWith(got, (rotated.body as { secret: string }).secret)).toBe(true);
    expect(signedWith(got, hook.secret)).toBe(true);
  });

  it('does not sign with a secret moved to another webhook, and says why without it', async () => {
    const victim = await create();
    const thief = await create();
    // Someone with write access to the database copies one webhook's secret into another's row.
    await harness.sql.query(
      `UPDATE notifications.webhook_subscriptions
          SET secret = (SELECT secret FROM notifications.webhook_subscriptions WHERE id = $1)
        WHERE id = $2`,
      [victim.id, thief.id],
    );
    const event = submittedEvent(client.id);
    harness.publish(event);
    const attempt = await waitFor(async () => {
      const { rows } = await harness.sql.query(
        `SELECT attempt_log->0->>'error' AS error FROM notifications.webhook_deliveries
          WHERE subscription_id = $1 AND event_id = $2 AND attempts > 0`,
        [thief.id, event.id],
      );
      return rows[0] as { error: string } | undefined;
    });
    expect(attempt.error).toBe(
      "the webhook's signing secret cannot be decrypted: it was altered, or belongs to another webhook",
    );
    // The victim's own delivery is signed; the thief's was never sent.
    const got = await waitFor(() => receiver.of(event.id).length > 0 && receiver.of(event.id));
    expect(got.map((r) => signedWith(r, victim.secret))).toEqual([true]);
  });

  it('encrypts plain-text secrets (stored before encryption) at start, and still signs with them', async () => {
    const hook = await create();
    const plainCurrent = `whsec_${randomBytes(32).toString('base64')}`;
    const plainPrevious = hook.secret;
    await harness.sql.query(
      `UPDATE notifications.webhook_subscriptions SET secret = $2 WHERE id = $1`,
      [hook.id, plainCurrent],
    );
    await harness.sql.query(
      `INSERT INTO notifications.webhook_previous_secrets (subscription_id, secret, expires_at, created_at)
       VALUES ($1, $2, now() + interval '1 hour', now())`,
      [hook.id, plainPrevious],
    );
    // A plain row is still signed with (rows written before this version, until the next start).
    const before = await nextDelivery(hook.id);
    expect(signedWith(before, plainCurrent) && signedWith(before, plainPrevious)).toBe(true);

    const replica = await harness.replica();
    try {
      const secrets = await stored(hook.id);
      expect(secrets).toHaveLength(2);
      for (const secret of secrets) expect(secret).toMatch(/^v1\./);
      const vault = new WebhookSecretVault(CURRENT_KEY);
      expect(secrets.map((secret) => vault.open(secret, hook.id))).toEqual([
        plainCurrent,
        plainPrevious,
      ]);
      const after = await nextDelivery(hook.id);
      expect(signedWith(after, plainCurrent) && signedWith(after, plainPrevious)).toBe(true);
    } finally {
      await replica.close();
    }
  });

  it('re-encrypts every secret with the current key, old-key ones still signing meanwhile', async () => {
    const hook = await create();
    const other = await create();
    // Sealed with the old key, as before a key rotation: the service still opens them.
    const oldVault = new WebhookSecretVault(OLD_KEY);
    const previous = `whsec_${randomBytes(32).toString('base64')}`;
    await harness.sql.query(
      `UPDATE notifications.webhook_subscriptions SET secret = $2 WHERE id = $1`,
      [hook.id, oldVault.seal(hook.secret, hook.id)],
    );
    await harness.sql.query(
      `INSERT INTO notifications.webhook_previous_secrets (subscription_id, secret, expires_at, created_at)
       VALUES ($1, $2, now() + interval '1 hour', now())`,
      [hook.id, oldVault.seal(previous, hook.id)],
    );
    const [otherBefore] = await stored(other.id);
    const before = await nextDelivery(hook.id);
    expect(signedWith(before, hook.secret) && signedWith(before, previous)).toBe(true);

    // Without the old key the command cannot read them: it says so, changes nothing, exits 1.
    const blind = await reencrypt({ WEBHOOK_SECRETS_KEY: CURRENT_KEY.toString('base64') });
    expect(blind.status).toBe(1);
    expect(blind.lines.join('\n')).toContain('2 secrets could not be decrypted');
    expect((await stored(hook.id)).every((s) => s.split('.')[1] === keyIdOf(OLD_KEY))).toBe(true);

    const run = await reencrypt({
      WEBHOOK_SECRETS_KEY: CURRENT_KEY.toString('base64'),
      WEBHOOK_SECRETS_KEYS: OLD_KEY.toString('base64'),
    });
    expect(run.status).toBe(0);
    expect(run.lines).toEqual([
      `Re-encrypted 1 current and 1 previous webhook secrets with key ${keyIdOf(CURRENT_KEY)}`,
    ]);
    expect(run.lines.join()).not.toContain('whsec_');
    const secrets = await stored(hook.id);
    expect(secrets.map((s) => s.split('.')[1])).toEqual([
      keyIdOf(CURRENT_KEY),
      keyIdOf(CURRENT_KEY),
    ]);
    // Already current: left as it was.
    expect(await stored(other.id)).toEqual([otherBefore]);
    // The old key is no longer needed: a vault of the current key alone opens everything.
    const current = new WebhookSecretVault(CURRENT_KEY);
    expect(secrets.map((s) => current.open(s, hook.id))).toEqual([hook.secret, previous]);
    const after = await nextDelivery(hook.id);
    expect(signedWith(after, hook.secret) && signedWith(after, previous)).toBe(true);

    // Again: nothing left to do.
    const again = await reencrypt({ WEBHOOK_SECRETS_KEY: CURRENT_KEY.toString('base64') });
    expect(again).toEqual({
      status: 0,
      lines: [
        `Re-encrypted 0 current and 0 previous webhook secrets with key ${keyIdOf(CURRENT_KEY)}`,
      ],
    });
  });
});
