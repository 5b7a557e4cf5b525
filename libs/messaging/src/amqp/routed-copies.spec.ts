import { EventEmitter } from 'node:events';
import type { Options } from 'amqplib';
import { COPY_ID_HEADER, RoutedCopies, UnroutableCopyError } from './routed-copies';

/** A channel and its wrapper: `routes` says whether the broker routes a copy (else it returns it). */
function broker(routes: boolean) {
  const channel = new EventEmitter();
  const published: Options.Publish[] = [];
  const wrapper = {
    publish: async (_exchange: string, _key: string, content: Buffer, options: Options.Publish) => {
      published.push(options);
      // As RabbitMQ does: the return first, then the confirm.
      if (!routes) channel.emit('return', { content, properties: { headers: options.headers } });
      return true;
    },
  };
  return { channel, wrapper, published };
}

describe('RoutedCopies', () => {
  it('publishes mandatory, each copy named, and resolves once the broker routed it', async () => {
    const copies = new RoutedCopies();
    const { channel, wrapper, published } = broker(true);
    copies.watch(channel);
    const options = { persistent: true, headers: { 'x-retry-count': 1 } };
    for (let i = 0; i < 2; i++) {
      await copies.publish(wrapper, 'x.copies', 'x.retry.1000', Buffer.from('{}'), options);
    }
    expect(published[0]).toMatchObject({ persistent: true, mandatory: true });
    expect(published[0].headers).toMatchObject({ 'x-retry-count': 1 });
    expect(published[0].headers?.[COPY_ID_HEADER]).not.toBe(published[1].headers?.[COPY_ID_HEADER]);
  });

  it('rejects a copy the broker returned (no queue bound), and keeps nothing in flight', async () => {
    const copies = new RoutedCopies();
    const { channel, wrapper } = broker(false);
    copies.watch(channel);
    await expect(
      copies.publish(wrapper, 'svc.events.copies', 'svc.events.dlq', Buffer.from('{}'), {}),
    ).rejects.toThrow(UnroutableCopyError);
    expect((copies as unknown as { inFlight: Map<string, boolean> }).inFlight.size).toBe(0);
  });

  it("ignores returns that are not its copies'", async () => {
    const copies = new RoutedCopies();
    const { channel, wrapper } = broker(true);
    copies.watch(channel);
    channel.emit('return', { properties: { headers: { [COPY_ID_HEADER]: 'someone else' } } });
    channel.emit('return', { properties: {} });
    await expect(
      copies.publish(wrapper, 'svc.events.copies', 'svc.events.dlq', Buffer.from('{}'), {}),
    ).resolves.toBeUndefined();
  });
});
