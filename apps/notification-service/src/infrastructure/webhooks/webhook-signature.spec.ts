import { createHmac, timingSafeEqual } from 'node:crypto';
import { newWebhookSecret, signedHeaders } from './webhook-signature';

/** A receiver's check of X-Ajla-Signature, written from the contract alone. */
function ajlaSignatureValid(header: string, secret: string, body: string): boolean {
  const parts = header.split(',').map((part) => part.split('=', 2));
  const t = parts.find(([key]) => key === 't')?.[1];
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  // Several v1 entries while a rotated secret is in its overlap: any one of them will do.
  return parts.some(
    ([key, value]) =>
      key === 'v1' &&
      value.length === expected.length &&
      timingSafeEqual(Buffer.from(value, 'utf8'), Buffer.from(expected, 'utf8')),
  );
}

/** A receiver's check of the Standard Webhooks 1.0 signature, written from that spec alone. */
function standardSignatureValid(headers: Record<string, string>, secret: string, body: string) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const content = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = createHmac('sha256', key).update(content).digest('base64');
  // The header holds space-separated "<version>,<signature>" pairs.
  return headers['webhook-signature'].split(' ').some((pair) => pair === `v1,${expected}`);
}

describe('webhook signatures', () => {
  const secret = newWebhookSecret();
  const body = JSON.stringify({ id: 'e1', type: 'request.submitted', payload: { é: '✓' } });
  const headers = signedHeaders({
    deliveryId: 'd-1',
    eventType: 'request.submitted',
    secrets: [secret],
    body,
    timestampSeconds: 1_700_000_000,
  });

  it('makes secrets of whsec_ and 32 random bytes', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('names the event and the delivery', () => {
    expect(headers['x-ajla-event']).toBe('request.submitted');
    expect(headers['x-ajla-delivery']).toBe('d-1');
    expect(headers['webhook-id']).toBe('d-1');
    expect(headers['webhook-timestamp']).toBe('1700000000');
    expect(headers['x-ajla-signature']).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
  });

  it('signs X-Ajla-Signature so a receiver holding the secret verifies it', () => {
    expect(ajlaSignatureValid(headers['x-ajla-signature'], secret, body)).toBe(true);
    expect(ajlaSignatureValid(headers['x-ajla-signature'], secret, body + ' ')).toBe(false);
    expect(ajlaSignatureValid(headers['x-ajla-signature'], newWebhookSecret(), body)).toBe(false);
  });

  it('signs the Standard Webhooks way, keyed with the decoded secret', () => {
    expect(standardSignatureValid(headers, secret, body)).toBe(true);
    expect(standardSignatureValid(headers, secret, body.replace('e1', 'e2'))).toBe(false);
    expect(standardSignatureValid({ ...headers, 'webhook-id': 'd-2' }, secret, body)).toBe(false);
  });

  it('signs with every secret given while a rotation overlaps, the new one first', () => {
    const old = newWebhookSecret();
    const both = signedHeaders({
      deliveryId: 'd-1',
      eventType: 'request.submitted',
      secrets: [secret, old],
      body,
      timestampSeconds: 1_700_000_000,
    });
    expect(both['x-ajla-signature']).toMatch(/^t=1700000000,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(both['webhook-signature'].split(' ')).toHaveLength(2);
    expect(both['webhook-signature'].split(' ')[0]).toBe(headers['webhook-signature']);
    for (const key of [secret, old]) {
      expect(ajlaSignatureValid(both['x-ajla-signature'], key, body)).toBe(true);
      expect(standardSignatureValid(both, key, body)).toBe(true);
    }
    const stranger = newWebhookSecret();
    expect(ajlaSignatureValid(both['x-ajla-signature'], stranger, body)).toBe(false);
    expect(standardSignatureValid(both, stranger, body)).toBe(false);
  });
});
