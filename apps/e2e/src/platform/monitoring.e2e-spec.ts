import { readFileSync } from 'node:fs';
import path from 'node:path';
import { adminTokens, api, newClient } from '../support/api';
import { submitRequest } from '../support/requests';
import { REPO_ROOT, e2eState } from '../support/state';

const MONITORING = path.join(REPO_ROOT, 'k8s/components/monitoring');

/** The metrics the alerts and the dashboard query (histograms by their name). */
function queriedMetrics(prefix: RegExp): Set<string> {
  const names = ['prometheus-rules.yaml', 'dashboards/ajla.json'].flatMap(
    (file) => readFileSync(path.join(MONITORING, file), 'utf8').match(/\b(?:ajla|http)_\w+/g) ?? [],
  );
  return new Set(
    names.filter((n) => prefix.test(n)).map((n) => n.replace(/_(bucket|count|sum)$/, '')),
  );
}

async function metricsOf(app: string): Promise<string> {
  return (await fetch(`${e2eState().serviceUrls[app]}/metrics`)).text();
}

describe('monitoring (k8s/components/monitoring) against the running services', () => {
  it("finds every service metric the alerts and the dashboard query in the services' /metrics", async () => {
    const exported = (await Promise.all(Object.keys(e2eState().serviceUrls).map(metricsOf))).join(
      '\n',
    );
    const queried = queriedMetrics(/^(ajla|http)_/);
    expect(queried.size).toBeGreaterThan(10);
    const missing = [...queried].filter((name) => !exported.includes(`# TYPE ${name} `));
    expect(missing).toEqual([]);
  });

  it("times a request's first staff reply in conversation-service", async () => {
    const count = async () =>
      Number(
        /^ajla_conversation_first_staff_reply_seconds_count\{[^}]*\} (\d+)$/m.exec(
          await metricsOf('conversation-service'),
        )?.[1] ?? 0,
      );
    const before = await count();
    const client = await newClient('Monitoring Client');
    const request = await submitRequest(client, { type: 'dining', description: 'A quiet table' });
    const admin = await adminTokens();
    for (const content of ['Looking now', 'Booked for 8 pm']) {
      const reply = await api('POST', '/api/v1/messages', {
        token: admin.access_token,
        body: { conversation_id: request.conversation_id, content },
      });
      expect(reply.status).toBe(201);
    }
    const deadline = Date.now() + 5_000;
    while ((await count()) === before && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Two staff messages, one first reply (other suites may answer their own at the same time).
    expect(await count()).toBeGreaterThanOrEqual(before + 1);
  });
});
