import { UnauthenticatedError } from '@ajla/shared-kernel';
import { AccessTokenVerifier } from '../tokens/access-token.verifier';
import { WsHandshakeVerifier, handshakeToken } from './ws-handshake.verifier';

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
});
