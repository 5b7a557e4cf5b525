import type { Writable } from 'node:stream';
import { coalesceEveryWrite } from '@ajla/platform';
import amqp, { type AmqpConnectionManager } from 'amqp-connection-manager';
import type { MessagingLogger } from '../logger';

export type { AmqpConnectionManager } from 'amqp-connection-manager';

export interface AmqpConnectionOptions {
  url: string;
  /** Shown in the broker's connection list (`connection_name`). */
  name: string;
  logger: MessagingLogger;
  /** Wait before reconnecting after a lost connection (default 1000 ms). */
  reconnectDelayMs?: number;
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/**
 * A RabbitMQ connection that reconnects for ever (and makes its channels run their setup again,
 * so topology is re-declared). Connecting starts at once and never blocks the caller.
 */
export function createAmqpConnection(options: AmqpConnectionOptions): AmqpConnectionManager {
  const connection = amqp.connect([options.url], {
    heartbeatIntervalInSeconds: 5,
    reconnectTimeInSeconds: (options.reconnectDelayMs ?? 1000) / 1000,
    connectionOptions: {
      // amqplib leaves Nagle's algorithm on: a publish written while the broker still owes the
      // TCP acknowledgement of an earlier frame that it answers with nothing (a consumer's ack, a
      // heartbeat) waits for the broker's delayed ACK, up to 40 ms.
      noDelay: true,
      clientProperties: { connection_name: options.name },
    },
  });
  // Each kind of failure is logged once, not at every attempt.
  let lastFailure = '';
  connection.on('connect', ({ connection: model }: { connection: unknown }) => {
    // amqplib writes each publish, ack and frame on its own (a system call and, with Nagle off, a
    // TCP segment each): a relay's batch, or acks and publishes of the same tick, now leave in one.
    const socket = socketOf(model);
    if (socket) coalesceEveryWrite(socket);
    options.logger.log(`Connected to RabbitMQ at ${redact(options.url)}`);
    lastFailure = '';
  });
  connection.on('disconnect', ({ err }: { err?: Error }) => {
    options.logger.warn(`Lost the RabbitMQ connection: ${err?.message ?? 'closed'}; reconnecting`);
  });
  connection.on('connectFailed', ({ err }: { err: Error }) => {
    if (err.message === lastFailure) return;
    lastFailure = err.message;
    options.logger.warn(`Cannot connect to RabbitMQ at ${redact(options.url)}: ${err.message}`);
  });
  connection.on('blocked', ({ reason }: { reason: string }) =>
    options.logger.warn(`RabbitMQ blocks publishing: ${reason}`),
  );
  connection.on('unblocked', () => options.logger.log('RabbitMQ unblocked publishing'));
  return connection;
}

/** The TCP socket under an amqplib connection (`ChannelModel.connection.stream`), if it has one. */
function socketOf(model: unknown): Writable | undefined {
  const stream = (model as { connection?: { stream?: unknown } } | undefined)?.connection?.stream;
  return stream !== null &&
    typeof stream === 'object' &&
    typeof (stream as Writable).cork === 'function'
    ? (stream as Writable)
    : undefined;
}
