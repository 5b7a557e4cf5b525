import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { adminTokens, api, newClient, newStaff, type Account } from '../support/api';
import { assign, submitRequest } from '../support/requests';
import { REPO_ROOT, e2eState } from '../support/state';

const run = promisify(execFile);

/**
 * A staff account whose registration request-service never heard of (its queue was not bound to
 * user.registered at the time, as for a service deployed after the account existed) becomes known
 * once request-service asks user-service for the staff snapshot: here through its CLI's
 * `ask-snapshot`, as an operator repairing the directory would; at a first start it asks by itself.
 */
describe('request-service catches up on staff it never heard of', () => {
  it('cannot assign to an agent it missed, then can after asking for the staff snapshot', async () => {
    const state = e2eState();
    const admin: Account = {
      id: '',
      email: state.admin.email,
      password: state.admin.password,
      tokens: await adminTokens(),
    };
    const client = await newClient();
    const request = await submitRequest(client);

    // The missed event: request-service's queue is not bound to user.registered for a moment.
    const connection = await amqp.connect(state.rabbitmqUrl);
    let agent: Account;
    try {
      const channel = await connection.createChannel();
      await channel.unbindQueue('request-service.events', 'ajla.events', 'user.registered');
      try {
        agent = await newStaff('agent');
      } finally {
        await channel.bindQueue('request-service.events', 'ajla.events', 'user.registered');
      }
    } finally {
      await connection.close();
    }

    const unknown = await api('POST', `/api/v1/admin/requests/${request.id}/assign`, {
      token: admin.tokens.access_token,
      body: { agent_id: agent.id },
    });
    expect(unknown.status).toBe(409);
    expect(unknown.body.code).toBe('assignee_not_staff');

    const { stdout } = await run(
      process.execPath,
      [path.join(REPO_ROOT, 'dist/apps/request-service/src/cli.js'), 'ask-snapshot'],
      {
        env: { ...process.env, DATABASE_URL: state.databaseUrl, RABBITMQ_URL: state.rabbitmqUrl },
        timeout: 20_000,
      },
    );
    expect(stdout).toContain('user.snapshot_requested');

    // request-service's relay publishes the request, user-service answers, the directory learns.
    const assigned = await assign(admin, request.id, agent.id);
    expect(assigned.status).toBe(200);
    expect(assigned.body).toMatchObject({ status: 'assigned', assignee_id: agent.id });
  });
});
