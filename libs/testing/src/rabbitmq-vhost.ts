import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * A RabbitMQ virtual host of the run's own, so that its exchange and queues never meet another
 * run's. Made with rabbitmqctl (the broker runs on this machine); without it the default vhost is
 * used and the run says so.
 */
export function createTestVhost(
  baseUrl = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672',
  label = 'e2e',
): {
  url: string;
  drop(): void;
} {
  const name = `ajla_${label}_${randomBytes(4).toString('hex')}`;
  const url = new URL(baseUrl);
  try {
    execFileSync('rabbitmqctl', ['add_vhost', name], { stdio: 'ignore' });
    execFileSync(
      'rabbitmqctl',
      [
        'set_permissions',
        '-p',
        name,
        decodeURIComponent(url.username || 'guest'),
        '.*',
        '.*',
        '.*',
      ],
      {
        stdio: 'ignore',
      },
    );
  } catch {
    process.stderr.write(`${label}: rabbitmqctl unavailable; using the default vhost\n`);
    return { url: baseUrl, drop: () => undefined };
  }
  url.pathname = `/${encodeURIComponent(name)}`;
  return {
    url: url.toString(),
    drop: () => execFileSync('rabbitmqctl', ['delete_vhost', name], { stdio: 'ignore' }),
  };
}
