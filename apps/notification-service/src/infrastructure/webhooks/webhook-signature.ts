import { createHmac, randomBytes } from 'node:crypto';

/** The prefix of a signing secret, as Standard Webhooks writes them. */
const SECRET_PREFIX = 'whsec_';

/** A new signing secret: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The signing key of a secret: Standard Webhooks signs with the bytes the base64 part decodes to. */
function keyOf(secret: string): Buffer {
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/**
 * The headers that let a receiver check a delivery: AJLA's own `X-Ajla-Signature` (hex
 * HMAC-SHA256 of "<t>.<body>", keyed with the secret as shown, `whsec_...` whole) and the
 * Standard Webhooks 1.0 ones (base64 HMAC-SHA256 of "<id>.<t>.<body>", keyed, as that spec says,
 * with the bytes the part after `whsec_` decodes to, so a stock library verifies it).
 *
 * `secrets` is the current secret first, then those a rotation replaced that are still in their
 * overlap: one signature each, so a receiver holding either verifies the request
 * (`t=..,v1=<new>,v1=<old>`; `v1,<new> v1,<old>`, space-separated as the spec allows).
 */
export function signedHeaders(input: {
  deliveryId: string;
  eventType: string;
  secrets: readonly string[];
  body: string;
  timestampSeconds: number;
}): Record<string, string> {
  const { deliveryId, eventType, secrets, body, timestampSeconds: t } = input;
  if (secrets.length === 0) throw new Error('a delivery needs at least one secret');
  const ajla = secrets.map(
    (secret) => `v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`,
  );
  const standard = secrets.map(
    (secret) =>
      `v1,${createHmac('sha256', keyOf(secret)).update(`${deliveryId}.${t}.${body}`).digest('base64')}`,
  );
  return {
    'content-type': 'application/json',
    'x-ajla-event': eventType,
    'x-ajla-delivery': deliveryId,
    'x-ajla-signature': [`t=${t}`, ...ajla].join(','),
    'webhook-id': deliveryId,
    'webhook-timestamp': String(t),
    'webhook-signature': standard.join(' '),
  };
}
