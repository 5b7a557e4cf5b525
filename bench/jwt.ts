// Access-token signing and verification: @ajla/auth's TokenSigner and AccessTokenVerifier beside
// jose doing exactly the same work (the header, claims and checks @ajla/auth made with jose before it
// moved to @nestjs/jwt), in one process, in alternating rounds so that drift in the machine's speed
// hits both alike. Run it with `bash bench/run-jwt.sh` (compiles, then runs this).
import { generateKeyPairSync, randomUUID } from 'node:crypto';
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
    },
  });
  const rounds = Number(values.rounds);
  const ops = Number(values.ops);

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
  const results = [
    await compare(
      'verify',
      { name: '@ajla/auth', run: (i) => verifier.verify(pick(tokens, i)) },
      { name: 'jose', run: (i) => jose.verify(pick(tokens, i)) },
      rounds,
      ops,
    ),
    await compare(
      'sign',
      { name: '@ajla/auth', run: (i) => signer.sign(pick(subjects, i)) },
      { name: 'jose', run: (i) => jose.sign(pick(subjects, i)) },
      rounds,
      ops,
    ),
  ];
  console.log(
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
        loadavg: os.loadavg().map((l) => Number(l.toFixed(2))),
        rounds,
        ops_per_round: ops,
        results,
      },
      null,
      2,
    ),
  );
}

/** Rounds of `ops` operations, A then B then A ...; the median microseconds per operation of each. */
async function compare(
  operation: string,
  a: Contender,
  b: Contender,
  rounds: number,
  ops: number,
): Promise<Record<string, unknown>> {
  for (const c of [a, b]) await timeRound(c, ops); // warm-up: JIT, key caches
  const times: Record<string, number[]> = { [a.name]: [], [b.name]: [] };
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ta = await timeRound(a, ops);
    const tb = await timeRound(b, ops);
    times[a.name].push(ta);
    times[b.name].push(tb);
    ratios.push(ta / tb);
  }
  const summary = (list: number[]) => ({
    median_us: round(median(list)),
    min_us: round(Math.min(...list)),
    max_us: round(Math.max(...list)),
  });
  const line = {
    operation,
    [a.name]: summary(times[a.name]),
    [b.name]: summary(times[b.name]),
    ratio_median: round(median(ratios)),
  };
  console.error(
    `${operation}: ${a.name} ${line[a.name].median_us} µs, ${b.name} ${line[b.name].median_us} µs, ratio ${line.ratio_median}`,
  );
  return line;
}

/** Microseconds per operation over one round, run one after another (as a request would). */
async function timeRound(contender: Contender, ops: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) await contender.run(i);
  return Number(process.hrtime.bigint() - start) / 1000 / ops;
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
