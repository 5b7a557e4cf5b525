import fc from 'fast-check';
import { api } from '../support/api';
import { e2eState } from '../support/state';
import { Findings } from './findings';
import { httpCaseArb } from './http-cases';
import { runHttpCases } from './http-runner';
import { Markers } from './markers';
import { loadOperations, type Operation } from './openapi';
import { World } from './world';
import {
  chatHandshakeArb,
  frameCaseArb,
  genericFrameArb,
  notificationHandshakeArb,
} from './ws-cases';
import { chatSlots, notificationSlots, runFrameCases, runHandshakeCases } from './ws-runner';

/**
 * Property-based fuzzing of the running platform through the gateway: requests for every
 * operation of the OpenAPI document and frames and handshakes for the WebSocket endpoints, with
 * valid, boundary and hostile values. Properties: no 5xx, every 4xx is JSON with a `detail`, an
 * answer within 5 s, a bad frame answered with an error frame (only abuse closes, 1008/1009),
 * an unknown or missing field or a too-long string refused, nothing kept of a refused input, the
 * platform healthy afterwards. Every failing case is collected (not only the first), grouped by
 * class with a replayable example.
 *
 * `npm test` runs a fixed seed; `npm run fuzz -- --seed 123 --runs 50000` any other, and
 * `--case N` (`--case wN` a frame, `--case hN` a handshake) replays one case of a seed: the cases
 * are drawn from the seed alone, the ids and tokens they use are the run's own.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20260902);
const HTTP_RUNS = Number(process.env.FUZZ_RUNS ?? 5000);
const FRAMES = Number(process.env.FUZZ_FRAMES ?? Math.max(1000, Math.round(HTTP_RUNS / 5)));
const HANDSHAKES = Number(process.env.FUZZ_HANDSHAKES ?? Math.max(200, Math.round(HTTP_RUNS / 25)));
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 12);
/** Replay of one case: `12` (HTTP), `w12` (frame) or `h12` (handshake). */
const ONLY = process.env.FUZZ_CASE;
const TIMEOUT_MS = 60_000 + HTTP_RUNS * 60 + FRAMES * 40 + HANDSHAKES * 50;

/** Cases n of a sample of `count` (all of them, or only the one being replayed). */
function numbered<T>(arb: fc.Arbitrary<T>, seed: number, count: number, prefix: string) {
  const only =
    ONLY === undefined
      ? undefined
      : ONLY.startsWith(prefix) && /^\d+$/.test(ONLY.slice(prefix.length))
        ? Number(ONLY.slice(prefix.length))
        : -1;
  const total = only === undefined ? count : only + 1;
  return fc
    .sample(arb, { seed, numRuns: Math.max(total, 1) })
    .map((c, id) => ({ id, case: c }))
    .filter(({ id }) => (only === undefined ? id < count : id === only));
}

const replay = (caseId: string) => `replay: npm run fuzz -- --seed ${SEED} --case ${caseId}`;

describe(`fuzzing the platform (seed ${SEED})`, () => {
  let world: World;
  let operations: Operation[];
  const markers = new Markers();
  const wsBaseUrl = () => e2eState().gatewayUrl.replace(/^http/, 'ws');

  beforeAll(async () => {
    world = await World.create(e2eState().keysDir);
    operations = await loadOperations();
  }, 120_000);

  it(
    `answers ${HTTP_RUNS} generated requests over every documented operation without a 5xx, with a JSON detail on every 4xx, within 5 s`,
    async () => {
      expect(operations.length).toBeGreaterThan(10);
      // The newest service's operations are documented, so fuzzed, too.
      expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(
        expect.arrayContaining([
          'POST /api/v1/admin/webhooks',
          'GET /api/v1/admin/webhooks',
          'GET /api/v1/conversations/unread',
          'DELETE /api/v1/admin/webhooks/{id}',
          'GET /api/v1/admin/webhooks/{id}/deliveries',
          'PATCH /api/v1/admin/webhooks/{id}',
          'POST /api/v1/admin/webhooks/{id}/rotate-secret',
          'POST /api/v1/admin/webhooks/{id}/test',
          'POST /api/v1/admin/webhooks/{id}/deliveries/{delivery_id}/redeliver',
        ]),
      );
      const findings = new Findings(SEED, replay);
      const cases = numbered(httpCaseArb(operations), SEED, HTTP_RUNS, '');
      const started = Date.now();
      await runHttpCases(cases, {
        baseUrl: e2eState().gatewayUrl,
        world,
        findings,
        markers,
        concurrency: CONCURRENCY,
        verbose: ONLY !== undefined,
      });
      process.stdout.write(
        `fuzz: ${cases.length} HTTP cases over ${operations.length} operations in ${Date.now() - started} ms (seed ${SEED})\n`,
      );
      const report = findings.report(`HTTP fuzz (${cases.length} cases)`);
      if (report)
        throw new Error(
          `${report}\n\n(whole report: ${findings.save('fuzz-http-report.txt', report)})`,
        );
    },
    TIMEOUT_MS,
  );

  it(
    `answers ${FRAMES} generated chat frames with an error frame or a valid answer, closing only for abuse`,
    async () => {
      const findings = new Findings(SEED, replay);
      const frames = numbered(frameCaseArb, SEED + 1, FRAMES, 'w');
      const handshakes = numbered(chatHandshakeArb, SEED + 2, HANDSHAKES, 'h');
      const started = Date.now();
      const options = { wsBaseUrl: wsBaseUrl(), world, findings, markers };
      await runFrameCases(frames, chatSlots(world), 'ws chat frame', { ...options, prefix: 'w' });
      await runHandshakeCases(handshakes, 'ws chat handshake', 'app', { ...options, prefix: 'h' });
      process.stdout.write(
        `fuzz: ${frames.length} chat frames and ${handshakes.length} handshakes in ${Date.now() - started} ms\n`,
      );
      const report = findings.report(
        `chat WebSocket fuzz (${frames.length} frames, ${handshakes.length} handshakes)`,
      );
      if (report)
        throw new Error(
          `${report}\n\n(whole report: ${findings.save('fuzz-chat-report.txt', report)})`,
        );
    },
    TIMEOUT_MS,
  );

  it(
    `answers ${Math.round(FRAMES / 5)} generated frames on the notifications socket and ${Math.round(HANDSHAKES / 2)} handshakes`,
    async () => {
      const findings = new Findings(SEED, replay);
      const started = Date.now();
      const frames = numbered(genericFrameArb, SEED + 3, Math.round(FRAMES / 5), 'n');
      const handshakes = numbered(
        notificationHandshakeArb,
        SEED + 4,
        Math.round(HANDSHAKES / 2),
        'k',
      );
      const options = { wsBaseUrl: wsBaseUrl(), world, findings, markers };
      await runFrameCases(frames, notificationSlots(), 'ws notifications frame', {
        ...options,
        prefix: 'n',
      });
      await runHandshakeCases(handshakes, 'ws notifications handshake', 'protocol', {
        ...options,
        prefix: 'k',
      });
      process.stdout.write(
        `fuzz: ${frames.length} notifications frames and ${handshakes.length} handshakes in ${Date.now() - started} ms\n`,
      );
      const report = findings.report(
        `notifications WebSocket fuzz (${frames.length} frames, ${handshakes.length} handshakes)`,
      );
      if (report)
        throw new Error(
          `${report}\n\n(whole report: ${findings.save('fuzz-notifications-report.txt', report)})`,
        );
    },
    TIMEOUT_MS,
  );

  it('keeps nothing of a refused input in any table', async () => {
    // Events of an accepted case may still be on their way; a refused one has none.
    await new Promise((r) => setTimeout(r, 1000));
    const kept = await markers.keptAfterRefusal(e2eState().databaseUrl);
    const lines = kept.map(
      (k) =>
        `${k.marker} of case ${k.refusedBy} is in ${k.table}, though refused with: ${k.answer} (${replay(k.refusedBy)})`,
    );
    // A full run refuses plenty (a replay of one case may refuse nothing).
    if (ONLY === undefined) expect(markers.refusedCount).toBeGreaterThan(0);
    if (lines.length > 0)
      throw new Error(`kept after refusal (seed ${SEED}):\n${lines.slice(0, 50).join('\n')}`);
  }, 120_000);

  it('leaves the platform healthy', async () => {
    const health = await api('GET', '/health');
    expect(health.status).toBe(200);
    for (const [service, pid] of Object.entries(e2eState().pids)) {
      expect({ service, alive: isAlive(pid) }).toEqual({ service, alive: true });
    }
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
