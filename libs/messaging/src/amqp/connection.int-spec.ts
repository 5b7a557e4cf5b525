import type { Writable } from 'node:stream';
import type { ConfirmChannel } from 'amqplib';
import { RABBITMQ_URL, uniqueName, waitFor } from '../../test/harness';
import { createAmqpConnection, type AmqpConnectionManager } from './connection';

jest.setTimeout(20_000);

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

describe('createAmqpConnection (real RabbitMQ)', () => {
  let connection: AmqpConnectionManager;
  const queue = uniqueName('t-frames');

  afterAll(async () => {
    await connection?.close();
  });

  it("sends a tick's publishes in one system call, and the broker takes every one", async () => {
    connection = createAmqpConnection({ url: RABBITMQ_URL, name: 'frames', logger: silent });
    const channel = connection.createChannel({
      confirm: true,
      setup: (ch: ConfirmChannel) => ch.assertQueue(queue, { autoDelete: true }),
    });
    await channel.waitForConnect();
    const socket = (connection.connection as unknown as { connection: { stream: Writable } })
      .connection.stream;
    // What reaches the socket's own writer: one call per system call Node would make.
    const writes: number[] = [];
    const writev = socket._writev!.bind(socket);
    const write = socket._write.bind(socket);
    socket._writev = (chunks, done) => {
      writes.push(chunks.length);
      writev(chunks, done);
    };
    socket._write = (chunk, encoding, done) => {
      writes.push(1);
      write(chunk, encoding, done);
    };

    await Promise.all(
      ['one', 'two', 'three'].map((body) =>
        channel.sendToQueue(queue, Buffer.from(body), { persistent: false }),
      ),
    );
    // One write of the three publishes (amqplib encodes each small publish's three frames into
    // one buffer); without the coalescing, three.
    expect(writes).toEqual([3]);

    await waitFor(async () => (await channel.checkQueue(queue)).messageCount === 3);
    await channel.close();
  });
});
