import http from 'node:http';
import { api, expectErrorBody, newClient } from '../support/api';
import { e2eState } from '../support/state';

/** A login from a given loopback address, so this file's address never throttles the others. */
function loginFrom(
  localAddress: string,
  body: object,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: any }> {
  const url = new URL('/api/v1/auth/login', e2eState().gatewayUrl);
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        localAddress,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('login throttling (API.md: 10 failures per account, 100 per address, 15 minutes)', () => {
  it('locks an account after 10 failures, even for the right password, with Retry-After', async () => {
    const client = await newClient();
    for (let i = 0; i < 10; i++) {
      const res = await loginFrom('127.0.0.2', { email: client.email, password: `wrong ${i}` });
      expect(res.status).toBe(401);
    }
    const locked = await loginFrom('127.0.0.2', { email: client.email, password: client.password });
    expect(locked.status).toBe(429);
    const retryAfter = Number(locked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(typeof locked.body.detail).toBe('string');

    // The lock is per account: the same address may still log in to another account.
    const other = await newClient();
    expect(
      (await loginFrom('127.0.0.2', { email: other.email, password: other.password })).status,
    ).toBe(200);
    // And the lock holds whatever the letter case of the e-mail.
    expect(
      (
        await loginFrom('127.0.0.2', {
          email: client.email.toUpperCase(),
          password: client.password,
        })
      ).status,
    ).toBe(429);
  });

  it('never counts successful logins', async () => {
    const client = await newClient();
    for (let i = 0; i < 15; i++) {
      const res = await loginFrom('127.0.0.3', { email: client.email, password: client.password });
      expect(res.status).toBe(200);
    }
  });

  it('does not lock a user who mistypes a few times', async () => {
    const client = await newClient();
    for (let i = 0; i < 5; i++) {
      expect((await loginFrom('127.0.0.4', { email: client.email, password: 'typo' })).status).toBe(
        401,
      );
    }
    expect(
      (await loginFrom('127.0.0.4', { email: client.email, password: client.password })).status,
    ).toBe(200);
  });

  it('blocks an address after 100 failures across accounts, and only that address', async () => {
    const client = await newClient();
    for (let i = 0; i < 100; i++) {
      const res = await loginFrom('127.0.0.5', {
        email: `guess${i}@ajla.test`,
        password: 'password1',
      });
      expect(res.status).toBe(401);
    }
    const blocked = await loginFrom('127.0.0.5', {
      email: client.email,
      password: client.password,
    });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);

    // Another address is not affected, and a spoofed X-Forwarded-For does not move the block.
    expect(
      (await loginFrom('127.0.0.6', { email: client.email, password: client.password })).status,
    ).toBe(200);
    const spoofed = await api('POST', '/api/v1/auth/login', {
      body: { email: client.email, password: client.password },
      headers: { 'x-forwarded-for': '127.0.0.5' },
    });
    expect(spoofed.status).toBe(200);
  }, 60_000);

  it('answers a throttled client with the JSON error shape', async () => {
    const client = await newClient();
    for (let i = 0; i < 10; i++)
      await loginFrom('127.0.0.7', { email: client.email, password: 'nope nope' });
    const res = await api('POST', '/api/v1/auth/login', {
      body: { email: client.email, password: 'nope nope' },
    });
    expect(res.status).toBe(429);
    expectErrorBody(res);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
