import { EventTransport } from './event-transport';

// Refusals happen before anything connects: no broker or database needed.
async function listenError(transport: EventTransport): Promise<string> {
  const error = await new Promise((resolve) => transport.listen((e?: unknown) => resolve(e)));
  if (!(error instanceof Error)) throw new Error(`listen succeeded (${String(error)})`);
  return error.message;
}

describe('EventTransport', () => {
  const handle = async () => undefined;

  it('refuses a @MessagePattern handler: an event has no reply', async () => {
    const transport = new EventTransport({} as never);
    transport.addHandler('request.submitted', handle, false);
    expect(await listenError(transport)).toBe(
      "@MessagePattern('request.submitted'): events have no reply, use @EventPattern",
    );
  });

  it('refuses two handlers of one key, which Nest would run at once in one transaction', async () => {
    const transport = new EventTransport({} as never);
    transport.addHandler('request.submitted', handle, true);
    transport.addHandler('request.submitted', handle, true);
    expect(await listenError(transport)).toMatch(
      "'request.submitted' has more than one @EventPattern handler",
    );
  });

  it('is not consuming before it listens', () => {
    const transport = new EventTransport({} as never);
    expect(transport.problem()).toBe('not started');
    expect(() => transport.unwrap()).toThrow('not listening');
  });
});
