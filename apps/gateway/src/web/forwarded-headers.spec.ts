import { createRequestContext } from '@ajla/platform';
import {
  TrustedProxies,
  forwardedChain,
  forwardingHeaders,
  unmapIpv4,
  withForwarding,
} from './forwarded-headers';

describe('TrustedProxies', () => {
  it('trusts nothing by default', () => {
    expect(TrustedProxies.parse('').isTrusted('127.0.0.1')).toBe(false);
    expect(TrustedProxies.none.isTrusted('10.0.0.1')).toBe(false);
  });

  it('trusts addresses, CIDR ranges and named ranges, IPv4 and IPv6', () => {
    const trusted = TrustedProxies.parse('10.1.2.3, 192.168.0.0/16, loopback, fd00::/8');
    expect(trusted.isTrusted('10.1.2.3')).toBe(true);
    expect(trusted.isTrusted('10.1.2.4')).toBe(false);
    expect(trusted.isTrusted('192.168.77.1')).toBe(true);
    expect(trusted.isTrusted('127.0.0.1')).toBe(true);
    expect(trusted.isTrusted('::ffff:127.0.0.1')).toBe(true);
    expect(trusted.isTrusted('::1')).toBe(true);
    expect(trusted.isTrusted('fd12::1')).toBe(true);
    expect(trusted.isTrusted('8.8.8.8')).toBe(false);
    expect(trusted.isTrusted('not-an-ip')).toBe(false);
  });

  it('names every entry it cannot read', () => {
    expect(() => TrustedProxies.parse('10.0.0.0/33, ingress, 1.2.3.4')).toThrow(
      'not an IP address, CIDR range or one of loopback, private, linklocal: 10.0.0.0/33, ingress',
    );
  });
});

describe('forwardedChain', () => {
  const ingress = TrustedProxies.parse('10.0.0.0/8');

  it('ignores what an untrusted peer claims', () => {
    expect(forwardedChain('203.0.113.9', '1.2.3.4', ingress)).toEqual(['203.0.113.9']);
    expect(forwardedChain('::ffff:127.0.0.1', '1.2.3.4', TrustedProxies.none)).toEqual([
      '127.0.0.1',
    ]);
  });

  it('keeps the hops trusted proxies vouch for, up to the first untrusted address', () => {
    expect(forwardedChain('10.0.0.2', '198.51.100.7', ingress)).toEqual([
      '198.51.100.7',
      '10.0.0.2',
    ]);
    // The client wrote "6.6.6.6" itself: the ingress appended the real address after it.
    expect(forwardedChain('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.5', ingress)).toEqual([
      '198.51.100.7',
      '10.0.0.5',
      '10.0.0.2',
    ]);
    expect(forwardedChain('10.0.0.2', ['6.6.6.6', '198.51.100.7'], ingress)).toEqual([
      '198.51.100.7',
      '10.0.0.2',
    ]);
  });

  it('stops at garbage', () => {
    expect(forwardedChain('10.0.0.2', 'evil, <script>', ingress)).toEqual(['10.0.0.2']);
  });

  it('unmaps IPv4-mapped IPv6 addresses', () => {
    expect(unmapIpv4('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpv4('::1')).toBe('::1');
  });
});

describe('forwardingHeaders / withForwarding', () => {
  const trace = createRequestContext({
    requestId: 'req-abc',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
  });

  it('states who the client is, how it came in, and the ids and trace of the request', () => {
    const headers = forwardingHeaders(
      { host: 'api.ajla.test', 'x-forwarded-for': '1.2.3.4', 'x-forwarded-proto': 'https' },
      { peerAddress: '203.0.113.9', encrypted: false, trusted: TrustedProxies.none, trace },
    );
    expect(headers).toEqual({
      'x-forwarded-for': '203.0.113.9',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'api.ajla.test',
      'x-request-id': 'req-abc',
      'x-correlation-id': 'req-abc',
      traceparent: expect.stringMatching(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/),
    });
    expect(headers['traceparent']).not.toContain('b7ad6b7169203331');
  });

  it('believes proto and host from a trusted proxy', () => {
    const headers = forwardingHeaders(
      {
        host: 'gateway:8000',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'api.ajla.example',
      },
      {
        peerAddress: '10.0.0.2',
        encrypted: false,
        trusted: TrustedProxies.parse('private'),
        trace,
      },
    );
    expect(headers['x-forwarded-proto']).toBe('https');
    expect(headers['x-forwarded-host']).toBe('api.ajla.example');
  });

  it('drops what a client could use to claim another address, keeps the rest', () => {
    const client = {
      host: 'api.ajla.test',
      authorization: 'Bearer t',
      forwarded: 'for=1.2.3.4',
      'x-real-ip': '1.2.3.4',
      'x-forwarded-for': '1.2.3.4',
      tracestate: 'vendor=1',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    };
    const headers = withForwarding({ ...client, host: 'user-service:8001' }, client, {
      peerAddress: '203.0.113.9',
      encrypted: true,
      trusted: TrustedProxies.none,
      trace,
    });
    expect(headers['authorization']).toBe('Bearer t');
    expect(headers['forwarded']).toBeUndefined();
    expect(headers['x-real-ip']).toBeUndefined();
    expect(headers['x-forwarded-for']).toBe('203.0.113.9');
    expect(headers['x-forwarded-proto']).toBe('https');
    expect(headers['tracestate']).toBe('vendor=1');
    expect(headers['host']).toBe('user-service:8001');
    expect(headers['x-forwarded-host']).toBe('api.ajla.test');
  });

  it('drops a trace state whose trace was replaced', () => {
    const fresh = createRequestContext({ traceparent: 'garbage' });
    const client = { tracestate: 'vendor=1', traceparent: 'garbage' };
    const headers = withForwarding(client, client, {
      peerAddress: '203.0.113.9',
      encrypted: false,
      trusted: TrustedProxies.none,
      trace: fresh,
    });
    expect(headers['tracestate']).toBeUndefined();
    expect(headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });
});
