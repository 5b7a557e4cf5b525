import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EVENT_SUBSCRIPTIONS } from '@ajla/contracts';
import amqplib from 'amqplib';
import { RABBITMQ_URL } from '../test/harness';
import { consumerQueues } from './amqp/topology';
import { runTopologyStep } from './topology-step';

jest.setTimeout(30_000);

describe('the topology step as tools/run-platform.js runs it (real RabbitMQ)', () => {
  // The real queue names (`request-service.events`, ...) in a vhost no one else uses.
  const vhost = `ajla_t_topology_step_${randomBytes(4).toString('hex')}`;
  const url = new URL(RABBITMQ_URL);
  url.pathname = `/${vhost}`;

  beforeAll(() => {
    execFileSync('rabbitmqctl', ['add_vhost', vhost], { stdio: 'ignore' });
    const user = decodeURIComponent(url.username || 'guest');
    execFileSync('rabbitmqctl', ['set_permissions', '-p', vhost, user, '.*', '.*', '.*'], {
      stdio: 'ignore',
    });
  });

  afterAll(() => execFileSync('rabbitmqctl', ['delete_vhost', vhost], { stdio: 'ignore' }));

  it('declares the exchange and every consuming service’s queues, and says what it declared', async () => {
    const env = { RABBITMQ_URL: url.toString(), EVENTS_EXCHANGE: 'ajla.topology-step' };
    const declared = await runTopologyStep(env);
    expect(declared).toEqual({
      exchange: 'ajla.topology-step',
      services: Object.keys(EVENT_SUBSCRIPTIONS),
    });
    // Idempotent: a second run finds everything there.
    await expect(runTopologyStep(env)).resolves.toEqual(declared);
    const connection = await amqplib.connect(url.toString());
    try {
      const channel = await connection.createChannel();
      await channel.checkExchange('ajla.topology-step');
      for (const service of declared.services) {
        await channel.checkQueue(consumerQueues(service).main);
        await channel.checkQueue(consumerQueues(service).deadLetter);
      }
    } finally {
      await connection.close();
    }
  });

  it('refuses a bad configuration without echoing the URL', async () => {
    const secretUrl = 'http://user:s3cret@127.0.0.1:5672';
    const failure = runTopologyStep({ RABBITMQ_URL: secretUrl });
    await expect(failure).rejects.toThrow(/RABBITMQ_URL/);
    await expect(failure).rejects.not.toThrow(/s3cret/);
  });
});
