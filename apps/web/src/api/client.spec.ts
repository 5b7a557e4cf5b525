import { createServices } from '../services';
import { fakeGateway, json, USER } from '../test/render-app';

const fresh = () => Date.now() + 15 * 60_000;

function signedIn(handlers: Parameters<typeof fakeGateway>[0], expiresAt = fresh()) {
  const gateway = fakeGateway(handlers);
  const services = createServices({ fetch: gateway.fetch });
  services.tokens.set({ accessToken: 'access-1', refreshToken: 'refresh-1', expiresAt });
  return { ...gateway, ...services };
}

const newPair = (n: number) =>
  json(200, {
    access_token: `access-${n}`,
    refresh_token: `refresh-${n}`,
    token_type: 'bearer',
    expires_in: 900,
  });

describe('the API client', () => {
  it('sends the access token on protected calls, none on login', async () => {
    const app = signedIn({
      'GET /api/v1/users/me': () => json(200, USER),
      'POST /api/v1/auth/login': () => newPair(2),
    });
    await app.api.GET('/api/v1/users/me');
    await app.api.POST('/api/v1/auth/login', { body: { email: 'a@b.co', password: 'x' } });
    expect(app.calls.map((call) => call.headers.get('authorization'))).toEqual([
      'Bearer access-1',
      null,
    ]);
  });

  it('refreshes once on a 401 and sends the request again, body included', async () => {
    const app = signedIn({
      'POST /api/v1/requests': (request) =>
        request.headers.get('authorization') === 'Bearer access-2'
          ? json(201, { ok: true })
          : json(401, { detail: 'Token expired', code: 'token_expired' }),
      'POST /api/v1/auth/refresh': () => newPair(2),
    });
    const answer = await app.api.POST('/api/v1/requests', {
      body: { type: 'dining', description: 'Dinner' },
    });
    expect(answer.response.status).toBe(201);
    expect(app.calls.map((call) => `${call.path} ${call.headers.get('authorization')}`)).toEqual([
      '/api/v1/requests Bearer access-1',
      '/api/v1/auth/refresh null',
      '/api/v1/requests Bearer access-2',
    ]);
    expect(app.calls[1]!.body).toEqual({ refresh_token: 'refresh-1' });
    expect(app.calls[2]!.body).toEqual({ type: 'dining', description: 'Dinner' });
    expect(app.tokens.get()?.refreshToken).toBe('refresh-2');
  });

  it('refreshes one time for many calls refused together (a refresh token is spent by its use)', async () => {
    const app = signedIn({
      'GET /api/v1/users/me': (request) =>
        request.headers.get('authorization') === 'Bearer access-2'
          ? json(200, USER)
          : json(401, { detail: 'Token expired' }),
      'POST /api/v1/auth/refresh': () => newPair(2),
    });
    const answers = await Promise.all([1, 2, 3].map(() => app.api.GET('/api/v1/users/me')));
    expect(answers.map((answer) => answer.response.status)).toEqual([200, 200, 200]);
    expect(app.calls.filter((call) => call.path === '/api/v1/auth/refresh')).toHaveLength(1);
  });

  it('refreshes ahead of time when the access token is about to expire', async () => {
    const app = signedIn(
      {
        'GET /api/v1/users/me': () => json(200, USER),
        'POST /api/v1/auth/refresh': () => newPair(2),
      },
      Date.now() + 5_000,
    );
    await app.api.GET('/api/v1/users/me');
    expect(app.calls.map((call) => call.path)).toEqual([
      '/api/v1/auth/refresh',
      '/api/v1/users/me',
    ]);
    expect(app.calls[1]!.headers.get('authorization')).toBe('Bearer access-2');
  });

  it('ends the session here when the refresh token is refused, and passes the 401 on', async () => {
    const app = signedIn({
      'GET /api/v1/users/me': () => json(401, { detail: 'Session revoked' }),
      'POST /api/v1/auth/refresh': () => json(401, { detail: 'Refresh token reused' }),
    });
    const answer = await app.api.GET('/api/v1/users/me');
    expect(answer.response.status).toBe(401);
    expect(app.tokens.get()).toBeUndefined();
    expect(app.calls.filter((call) => call.path === '/api/v1/users/me')).toHaveLength(1);
  });
});
