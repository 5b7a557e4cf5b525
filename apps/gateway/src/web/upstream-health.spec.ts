import { UpstreamHealth } from './upstream-health';

function answering(byUrl: Record<string, { status: number; body: unknown }>): typeof fetch {
  return (async (input: string | URL | Request) => {
    const answer = byUrl[String(input)];
    if (!answer) throw new TypeError('fetch failed');
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  }) as typeof fetch;
}

describe('UpstreamHealth', () => {
  const services = new Map([
    ['user', 'http://user'],
    ['request', 'http://request'],
  ]);

  it('is ok when every service is ready and says ok', async () => {
    const health = new UpstreamHealth(
      services,
      1000,
      answering({
        'http://user/health/ready': { status: 200, body: { status: 'ok' } },
        'http://request/health/ready': { status: 200, body: { status: 'ok' } },
      }),
    );
    expect(await health.check()).toEqual({
      status: 'ok',
      services: { user: 'ok', request: 'ok' },
    });
  });

  it('is degraded, not unavailable, when a ready service reports a non-critical failure', async () => {
    const health = new UpstreamHealth(
      services,
      1000,
      answering({
        'http://user/health/ready': { status: 200, body: { status: 'ok' } },
        'http://request/health/ready': {
          status: 200,
          body: { status: 'degraded', checks: { rabbitmq: { status: 'degraded' } } },
        },
      }),
    );
    expect(await health.check()).toEqual({
      status: 'degraded',
      services: { user: 'ok', request: 'degraded' },
    });
  });

  it('is unavailable when a service is not ready or does not answer', async () => {
    const health = new UpstreamHealth(
      services,
      1000,
      answering({
        'http://request/health/ready': { status: 503, body: { status: 'unavailable' } },
      }),
    );
    expect(await health.check()).toEqual({
      status: 'unavailable',
      services: { user: 'down', request: 'down' },
    });
  });
});
