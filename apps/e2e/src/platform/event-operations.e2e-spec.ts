import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { newClient } from '../support/api';
import { submitRequest } from '../support/requests';
import { REPO_ROOT, e2eState } from '../support/state';

const run = promisify(execFile);

/** The built CLI of a service, on the run's own broker vhost. */
async function cli(app: string, ...args: string[]): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [path.join(REPO_ROOT, 'dist/apps', app, 'src/cli.js'), ...args],
    { env: { ...process.env, RABBITMQ_URL: e2eState().rabbitmqUrl }, timeout: 20_000 },
  );
  return stdout;
}

async function metricsOf(app: string): Promise<string> {
  return (await fetch(`${e2eState().serviceUrls[app]}/metrics`)).text();
}

async function eventually<T>(find: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error('not seen in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function deadLettered(metrics: string): number {
  const match =
    /^ajla_events_consumed_total\{type="request\.submitted",outcome="dead-lettered",service="conversation-service"\} (\d+)$/m.exec(
      metrics,
    );
  return match ? Number(match[1]) : 0;
}

describe('events you can see and repair', () => {
  it('exposes the outbox, publish, consume and queue metrics of each service', async () => {
    const client = await newClient();
    await submitRequest(client, { type: 'shopping', description: 'metrics, please' });
    const producer = await eventually(async () => {
      const text = await metricsOf('request-service');
      return /^ajla_events_published_total\{type="request\.submitted",service="request-service"\} [1-9]/m.test(
        text,
      )
        ? text
        : undefined;
    });
    expect(producer).toMatch(/^ajla_outbox_backlog\{service="request-service"\} \d+$/m);
    expect(producer).toMatch(
      /^ajla_outbox_oldest_unsent_age_seconds\{service="request-service"\} /m,
    );
    expect(producer).toMatch(
      /^ajla_events_queue_messages\{queue="request-service\.events\.dlq",service="request-service"\} \d+$/m,
    );
    // notification-service handles every request.submitted (a transaction with its inbox row).
    const consumer = await eventually(async () => {
      const text = await metricsOf('notification-service');
      return /^ajla_events_consumed_total\{type="request\.submitted",outcome="handled",service="notification-service"\} [1-9]/m.test(
        text,
      )
        ? text
        : undefined;
    });
    expect(consumer).toMatch(
      /^ajla_events_handled_delay_seconds_count\{[^}]*type="request\.submitted"[^}]*\} [1-9]/m,
    );
    // conversation-service mostly acknowledges it without a transaction (the call opened the
    // conversation first): counted all the same, by outcome.
    await eventually(async () =>
      /^ajla_events_consumed_total\{type="request\.submitted",outcome="(handled|ignored)",service="conversation-service"\} [1-9]/m.test(
        await metricsOf('conversation-service'),
      )
        ? true
        : undefined,
    );
  });

  it('lists, shows and replays a dead-lettered event with the service CLI', async () => {
    // An event that breaks its contract: conversation-service parks it at once.
    const connection = await amqp.connect(e2eState().rabbitmqUrl);
    try {
      const channel = await connection.createConfirmChannel();
      channel.publish('ajla.events', 'request.submitted', Buffer.from('{"id":"not an envelope"}'), {
        persistent: true,
        messageId: 'e2e-broken-1',
        type: 'request.submitted',
      });
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }
    const listed = await eventually(async () => {
      const out = JSON.parse(
        await cli('conversation-service', 'dead-letters', 'list', '--json'),
      ) as { letters: { id: string; reason: string }[] };
      return out.letters.find((l) => l.id === 'e2e-broken-1');
    });
    expect(listed.reason).toBe('contract_violation');
    const before = deadLettered(await metricsOf('conversation-service'));
    const shown = JSON.parse(
      await cli('conversation-service', 'dead-letters', 'show', 'e2e-broken-1'),
    );
    expect(shown).toMatchObject({ id: 'e2e-broken-1', body: { id: 'not an envelope' } });
    expect(await cli('conversation-service', 'dead-letters', 'replay', 'e2e-broken-1')).toContain(
      '1 replayed',
    );
    // Still broken: handled again by conversation-service and parked again.
    await eventually(async () => {
      // Exits 1 while the copy is not parked yet.
      const out = await cli('conversation-service', 'dead-letters', 'show', 'e2e-broken-1').catch(
        () => undefined,
      );
      const again = out && (JSON.parse(out) as { headers: Record<string, unknown> });
      return again && again.headers['x-replayed-at'] ? again : undefined;
    });
    await eventually(async () =>
      deadLettered(await metricsOf('conversation-service')) === before + 1 ? true : undefined,
    );
  });
});
