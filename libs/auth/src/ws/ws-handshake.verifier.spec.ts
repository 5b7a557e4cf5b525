import { UpgradeRefusal } from '@ajla/platform';
import { UnauthenticatedError } from '@ajla/shared-kernel';
import { RevocationFeedUnavailableError } from '../revocations/session-revocations';
import { AccessTokenVerifier } from '../tokens/access-token.verifier';
import { WsHandshakeVerifier, bearerSubprotocol, handshakeToken } from './ws-handshake.verifier';

describe('WsHandshakeVerifier', () => {
  it('takes the token from ?token=', () => {
    expect(handshakeToken({ url: '/ws/chat/c1?after_seq=3&token=a.b.c', headers: {} })).toBe(
      'a.b.c',
    );
  });

  it('takes the token from the subprotocol pair "bearer, <token>"', () => {
    expect(
      handshakeToken({
        url: '/ws/chat/c1',
        headers: { 'sec-websocket-protocol': 'bearer, a.b.c' },
      }),
    ).toBe('a.b.c');
    expect(
      handshakeToken({ url: '/ws/chat/c1', headers: { 'sec-websocket-protocol': 'bearer' } }),
    ).toBeUndefined();
  });

  it('verifies the token, and refuses a handshake without one', async () => {
    const verifier = { verify: jest.fn(async () => ({ id: 'u1', role: 'user', tier: 5000 })) };
    const ws = new WsHandshakeVerifier(verifier as unknown as AccessTokenVerifier);
    await expect(ws.authenticate({ url: '/ws?token=t', headers: {} })).resolves.toEqual({
      id: 'u1',
      role: 'user',
      tier: 5000,
    });
    expect(verifier.verify).toHaveBeenCalledWith('t');
    await expect(ws.authenticate({ url: '/ws', headers: {} })).rejects.toThrow(
      UnauthenticatedError,
    );
  });

  it('refuses with 503 and Retry-After while session revocations cannot be known', async () => {
    const verifier = {
      verify: jest.fn(async () => {
        throw new RevocationFeedUnavailableError();
      }),
    };
    const ws = new WsHandshakeVerifier(verifier as unknown as AccessTokenVerifier);
    const refusal = await ws.authenticate({ url: '/ws?token=t', headers: {} }).catch((e) => e);
    expect(refusal).toBeInstanceOf(UpgradeRefusal);
    expect(refusal.answer).toEqual({
      status: 503,
      body: {
        detail: 'Sessions cannot be checked right now; try again shortly',
        code: 'unavailable',
      },
      headers: { 'Retry-After': '1' },
    });
  });

  it('answers the bearer subprotocol of a handshake that offers it', () => {
    expect(bearerSubprotocol(new Set(['Bearer', 'a.b.c']))).toBe('Bearer');
    expect(bearerSubprotocol(new Set(['chat']))).toBe(false);
  });
});
