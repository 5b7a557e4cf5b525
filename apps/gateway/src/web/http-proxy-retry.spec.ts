import { retryOnceAfterReset } from './http-proxy';

const dropped = (code: string) => Object.assign(new Error('other side closed'), { code });
const base = { body: undefined, answered: false, attempt: 0 };

describe('retryOnceAfterReset: the one replay the gateway makes', () => {
  it.each(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'UND_ERR_SOCKET'])(
    'retries a GET once when its connection was dropped before any answer (%s)',
    (code) => {
      expect(retryOnceAfterReset({ ...base, method: 'GET', error: dropped(code) })).not.toBeNull();
      expect(
        retryOnceAfterReset({ ...base, method: 'GET', error: dropped(code), attempt: 1 }),
      ).toBeNull();
    },
  );

  it('retries HEAD and OPTIONS the same way, and reads a code wrapped in a cause', () => {
    const wrapped = Object.assign(new Error('fetch failed'), { cause: dropped('ECONNRESET') });
    expect(retryOnceAfterReset({ ...base, method: 'HEAD', error: wrapped })).not.toBeNull();
    expect(
      retryOnceAfterReset({ ...base, method: 'OPTIONS', error: dropped('ECONNRESET') }),
    ).not.toBeNull();
  });

  it('never replays a write, nor a request with a body', () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect(retryOnceAfterReset({ ...base, method, error: dropped('ECONNRESET') })).toBeNull();
    }
    expect(
      retryOnceAfterReset({ ...base, method: 'GET', body: 'x', error: dropped('ECONNRESET') }),
    ).toBeNull();
  });

  it('passes on answers and other failures (a 503, a timeout) as they are', () => {
    expect(retryOnceAfterReset({ ...base, method: 'GET', error: null, answered: true })).toBeNull();
    expect(
      retryOnceAfterReset({ ...base, method: 'GET', error: dropped('UND_ERR_HEADERS_TIMEOUT') }),
    ).toBeNull();
  });
});
