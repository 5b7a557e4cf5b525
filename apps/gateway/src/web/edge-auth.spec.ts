import { UnauthenticatedError } from '@ajla/shared-kernel';
import { bearerToken, offeredProtocols } from './edge-auth';
import { VerifyingEdgeAuthenticator } from './verifying-edge-authenticator';

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['Bearer   abc  ', 'abc'],
  ])('reads %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it.each([undefined, '', 'Basic dXNlcg==', 'Bearer', 'Bearer a b', 'abc'])(
    'finds no token in %j',
    (header) => {
      expect(bearerToken(header)).toBeUndefined();
    },
  );
});

describe('offeredProtocols', () => {
  it('lists offered protocols in order', () => {
    expect(offeredProtocols(' a , b,,c ')).toEqual(['a', 'b', 'c']);
    expect(offeredProtocols(['a, b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(offeredProtocols(undefined)).toEqual([]);
  });
});

describe('VerifyingEdgeAuthenticator', () => {
  const log = { error: jest.fn() };

  it('passes a token the verifier accepts', async () => {
    const auth = new VerifyingEdgeAuthenticator({ verify: async () => ({ id: 'u' }) }, log);
    await expect(auth.verify('t')).resolves.toEqual({ ok: true, userId: 'u' });
  });

  it('refuses a missing token without asking the verifier', async () => {
    const verify = jest.fn();
    const auth = new VerifyingEdgeAuthenticator({ verify }, log);
    await expect(auth.verify(undefined)).resolves.toEqual({
      ok: false,
      status: 401,
      detail: 'Missing access token',
      code: 'missing_token',
    });
    expect(verify).not.toHaveBeenCalled();
  });

  it("answers 401 with the verifier's reason", async () => {
    const auth = new VerifyingEdgeAuthenticator(
      {
        verify: async () => {
          throw new UnauthenticatedError('Access token expired', 'token_expired');
        },
      },
      log,
    );
    await expect(auth.verify('t')).resolves.toEqual({
      ok: false,
      status: 401,
      detail: 'Access token expired',
      code: 'token_expired',
    });
  });

  it('answers 503, never a pass, when the verifier breaks', async () => {
    const auth = new VerifyingEdgeAuthenticator(
      {
        verify: async () => {
          throw new Error('JWKS fetch failed');
        },
      },
      log,
    );
    await expect(auth.verify('t')).resolves.toMatchObject({ ok: false, status: 503 });
    expect(log.error).toHaveBeenCalled();
  });
});
