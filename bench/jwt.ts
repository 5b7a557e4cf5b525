// Access-token signing and verification: @ajla/auth's TokenSigner and AccessTokenVerifier beside
// jose doing exactly the same work (the header, claims and checks @ajla/auth made with jose before it
// moved to @nestjs/jwt), in one process, in alternating rounds so that drift in the machine's speed
// hits both alike; one operation in flight (latency), then many (throughput, and how much of the
// main thread each costs). Run it with `bash bench/run-jwt.sh` (compiles, then runs this).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { SignJWT, importPKCS8, importSPKI, jwtVerify } from 'jose';
import { AccessTokenVerifier, AuthConfig, TokenSigner, isRole } from '@ajla/auth';
import { loadConfig } from '@ajla/platform';

interface Contender {
  name: string;
  /** One operation on the i-th input. */
  run(i: number): Promise<unknown>;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '15' },
      ops: { type: 'string', default: '2000' },
      // As many requests as a busy gateway has waiting on their token at once.
      concurrency: { type: 'string', default: '32' },
    },
  });
  const rounds = Number(values.rounds);
  const ops = Number(values.ops);
  const concurrency = Number(values.concurrency);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const config = loadConfig(AuthConfig, { JWT_PRIVATE_KEY: privatePem, JWT_PUBLIC_KEY: publicPem });
  const signer = await TokenSigner.fromConfig(config);
  // No revocation list: it is the same map lookup whichever library checked the signature.
  const verifier = await AccessTokenVerifier.fromConfig(config);
  const jose = await joseAccessTokens(privatePem, publicPem, signer.publicJwks().keys[0].kid!);

  const subjects = Array.from({ length: 100 }, (_, i) => ({
    sub: randomUUID(),
    role: 'user' as const,
    tier: 5000,
    sid: `session-${i}`,
  }));
  const tokens = await Promise.all(subjects.map(async (s) => (await signer.sign(s)).token));
  // Each side must accept the other's tokens, or the comparison would be of different work.
  await jose.verify(tokens[0]);
  await verifier.verify(await jose.sign(subjects[0]));

  const pick = <T>(list: T[], i: number) => list[i % list.length];
  const results = [];
  for (const inFlight of [1, concurrency]) {
    results.push(
      await compare(
        'verify',
        inFlight,
        { name: '@ajla/auth', run: (i) => verifier.verify(pick(tokens, i)) },
        { name: 'jose', run: (i) => jose.verify(pick(tokens, i)) },
        rounds,
        ops,
      ),
      await compare(
        'sign',
        inFlight,
        { name: '@ajla/auth', run: (i) => signer.sign(pick(subjects, i)) },
        { name: 'jose', run: (i) => jose.sign(pick(subjects, i)) },
        rounds,
        ops,
      ),
    );
  }
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
        uv_threadpool_size: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
        loadavg_at_end: os.loadavg().map((l) => Number(l.toFixed(2))),
        rounds,
        ops_per_round: ops,
        results,
      },
      null,
      2,
    ),
  );
}

/** Per operation, over one round, in microseconds. */
interface RoundCost {
  /** Elapsed time / operations: latency with one in flight, inverse throughput with many. */
  wall_us: number;
  /**
   * CPU time of the main thread (the event loop), from the kernel's per-thread schedstat: what a
   * server cannot spend on other requests, unlike work in libuv's pool on another core.
   */
  main_thread_us: number;
  /** CPU time of the whole process, every thread (jose's WebCrypto runs in libuv's pool). */
  cpu_us: number;
}

/**
 * Rounds of `ops` operations with `inFlight` at a time, A then B then A ...; per metric, the median
 * over rounds of each, and the median of the A/B ratios of paired rounds.
 */
async function compare(
  operation: string,
  inFlight: number,
  a: Contender,
  b: Contender,
  rounds: number,
  ops: number,
): Promise<Record<string, unknown>> {
  for (const c of [a, b]) await timeRound(c, ops, inFlight); // warm-up: JIT, key caches
  const costs: [RoundCost[], RoundCost[]] = [[], []];
  for (let r = 0; r < rounds; r++) {
    costs[0].push(await timeRound(a, ops, inFlight));
    costs[1].push(await timeRound(b, ops, inFlight));
  }
  const metrics = ['wall_us', 'main_thread_us', 'cpu_us'] as const;
  const medians = (list: RoundCost[]) =>
    Object.fromEntries(metrics.map((m) => [m, round(median(list.map((c) => c[m])))]));
  const ratios = Object.fromEntries(
    metrics.map((m) => [m, round(median(costs[0].map((c, r) => c[m] / costs[1][r][m])))]),
  );
  const [ma, mb] = [medians(costs[0]), medians(costs[1])];
  console.error(
    `${operation}, ${inFlight} in flight: ` +
      metrics.map((m) => `${m} ${ma[m]} vs ${mb[m]} (x${ratios[m]})`).join(', '),
  );
  return { operation, in_flight: inFlight, [a.name]: ma, [b.name]: mb, ratio: ratios };
}

async function timeRound(contender: Contender, ops: number, inFlight: number): Promise<RoundCost> {
  let next = 0;
  const worker = async () => {
    while (next < ops) await contender.run(next++);
  };
  const mainThread = mainThreadCpuNs();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wall = Number(process.hrtime.bigint() - start) / 1000;
  const mainThreadUs = (mainThreadCpuNs() - mainThread) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  return { wall_us: wall / ops, main_thread_us: mainThreadUs / ops, cpu_us: (user + system) / ops };
}

/** Nanoseconds the main thread has run on a CPU (Linux; Node 20 has no per-thread CPU clock). */
function mainThreadCpuNs(): number {
  return Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ')[0]);
}

/**
 * Signing and verification done with jose, header, claims and checks as @ajla/auth's TokenSigner
 * and AccessTokenVerifier define them (its implementation until the move to @nestjs/jwt).
 */
async function joseAccessTokens(privatePem: string, publicPem: string, kid: string) {
  const privateKey = await importPKCS8(privatePem, 'ES256');
  const publicKey = await importSPKI(publicPem, 'ES256');
  return {
    async sign(s: { sub: string; role: string; tier: number; sid: string }): Promise<string> {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ role: s.role, tier: s.tier, sid: s.sid, token_use: 'access' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .setIssuer('ajla-user-service')
        .setAudience('ajla')
        .setSubject(s.sub)
        .setIssuedAt(now)
        .setExpirationTime(now + 900)
        .setJti(randomUUID())
        .sign(privateKey);
    },
    async verify(token: string) {
      const { payload } = await jwtVerify(token, publicKey, {
        algorithms: ['ES256'],
        typ: 'at+jwt',
        issuer: 'ajla-user-service',
        audience: 'ajla',
        clockTolerance: 30,
        requiredClaims: ['sub', 'exp', 'iat'],
      });
      const { sub, role, tier, sid, iat, token_use } = payload;
      if (token_use !== 'access' || !sub || !isRole(role) || !Number.isInteger(tier)) {
        throw new Error('not an access token');
      }
      if (typeof sid !== 'string' || sid === '') throw new Error('no session id');
      return { id: sub, role, tier, sessionId: sid, issuedAt: iat };
    },
  };
}

function median(list: number[]): number {
  const sorted = [...list].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function round(value: number): number {
  return Number(value.toFixed(2));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
