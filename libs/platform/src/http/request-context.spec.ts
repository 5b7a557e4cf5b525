import {
  createRequestContext,
  currentRequestContext,
  propagationHeaders,
  randomHex,
  runWithRequestContext,
} from './request-context';

describe('RequestContext', () => {
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('keeps well-formed incoming ids and the caller trace, with a new span', () => {
    const context = createRequestContext({ requestId: 'r-1', correlationId: 'c-1', traceparent });
    expect(context).toMatchObject({
      requestId: 'r-1',
      correlationId: 'c-1',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      traceFlags: '01',
    });
    expect(context.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context.spanId).not.toBe('00f067aa0ba902b7');
  });

  it('replaces malformed ids and traces with fresh ones; the correlation id defaults to the request id', () => {
    const context = createRequestContext({
      requestId: 'x'.repeat(500),
      correlationId: 'has space',
      traceparent: '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    });
    expect(context.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.correlationId).toBe(context.requestId);
    expect(context.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(context.traceId).not.toMatch(/^0+$/);
  });

  it('is visible across awaits and propagates as headers', async () => {
    const context = createRequestContext({ correlationId: 'c-2', traceparent });
    expect(currentRequestContext()).toBeUndefined();
    expect(propagationHeaders()).toEqual({});
    await runWithRequestContext(context, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentRequestContext()).toBe(context);
      expect(propagationHeaders()).toEqual({
        'x-correlation-id': 'c-2',
        traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${context.spanId}-01`,
      });
    });
  });
});

describe('randomHex', () => {
  it('gives hex of the asked length, never the same twice, across refills of its pool', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = randomHex(i % 2 === 0 ? 16 : 8);
      expect(id).toMatch(i % 2 === 0 ? /^[0-9a-f]{32}$/ : /^[0-9a-f]{16}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });
});
