import { api, expectErrorBody } from '../support/api';
import { e2eState } from '../support/state';

describe('the gateway on :8000', () => {
  it('reports every configured service ready on GET /health', async () => {
    const res = await api('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.services).toMatchObject({
      user: 'ok',
      request: 'ok',
      conversation: 'ok',
      notification: 'ok',
    });
  });

  it('answers unknown routes with a JSON 404', async () => {
    for (const path of ['/nope', '/api/v1/nothing-here', '/api/v1/users/nobody/secret']) {
      const res = await api('GET', path);
      expect(res.status).toBe(404);
      expectErrorBody(res);
    }
  });

  it('answers an unknown route behind a known prefix with a JSON 404 too', async () => {
    const res = await api('GET', '/api/v1/auth/whatever');
    expect([404, 405]).toContain(res.status);
    expectErrorBody(res);
  });

  it('returns a request id, and keeps the one the client sent', async () => {
    const generated = await api('GET', '/health');
    expect(generated.headers.get('x-request-id')).toBeTruthy();
    const kept = await api('GET', '/api/v1/users/me', {
      headers: { 'x-request-id': 'client-chosen-id-123' },
    });
    expect(kept.headers.get('x-request-id')).toBe('client-chosen-id-123');
  });

  it('sends security headers', async () => {
    const res = await api('GET', '/health');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('refuses a body over the size limit with a JSON 413', async () => {
    const res = await api('POST', '/api/v1/auth/register', {
      body: {
        email: 'big@ajla.test',
        password: 'long enough',
        full_name: 'x'.repeat(2 * 1024 * 1024),
      },
    });
    expect(res.status).toBe(413);
    expectErrorBody(res);
  });

  it('serves the combined OpenAPI document', async () => {
    const res = await api('GET', '/docs-json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/register',
        '/api/v1/auth/login',
        '/api/v1/users/me',
        '/api/v1/admin/users',
      ]),
    );
  });

  it('serves the AsyncAPI document of the events beside it, and the page made from it', async () => {
    const res = await api('GET', '/docs/asyncapi.json');
    expect(res.status).toBe(200);
    expect(res.body.asyncapi).toBe('3.0.0');
    expect(res.body.channels['request.submitted']).toMatchObject({ address: 'request.submitted' });
    const page = await fetch(`${e2eState().gatewayUrl}/docs/events`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('request.submitted');
  });

  it('answers health and metrics on the service itself', async () => {
    const live = await fetch(`${e2eState().userServiceUrl}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`${e2eState().userServiceUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const metrics = await fetch(`${e2eState().userServiceUrl}/metrics`);
    expect(await metrics.text()).toMatch(/http_request_duration_seconds/);
  });
});
