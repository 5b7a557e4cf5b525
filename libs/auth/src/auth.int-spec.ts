import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { transformFileSync } from '@swc/core';
import {
  BaseServiceConfig,
  PlatformModule,
  createRedisClient,
  createServiceApp,
  loadConfig,
} from '@ajla/platform';
import { AuthConfig } from './auth.config';
import { AuthModule } from './auth.module';
import { SessionRevocationPublisher } from './revocations/revocation-publisher';
import { CurrentUser, Public, Roles } from './http/decorators';
import { ensureDevKeyPair } from './keys/dev-key-pair';
import { AuthenticatedUser } from './tokens/access-token';
import { TokenSigner } from './tokens/token-signer';

const run = promisify(execFile);

describe('development key pair', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ajla-devkeys-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives concurrent callers in one process the same pair', async () => {
    const pairs = await Promise.all(
      Array.from({ length: 10 }, () => ensureDevKeyPair(join(dir, 'keys'))),
    );
    expect(new Set(pairs.map((pair) => pair.privateKeyPem)).size).toBe(1);
    expect(new Set(pairs.map((pair) => pair.publicKeyPem)).size).toBe(1);
    expect((await readdir(join(dir, 'keys'))).sort()).toEqual([
      'jwt-private.pem',
      'jwt-public.pem',
    ]);
  });

  it('gives processes starting together the same pair, matching the files', async () => {
    // The module uses only Node built-ins: compiled on its own, it runs in plain child processes.
    const { code } = transformFileSync(join(__dirname, 'keys/dev-key-pair.ts'), {
      jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
      module: { type: 'commonjs' },
    });
    const script = join(dir, 'dev-key-pair.js');
    await writeFile(script, code);
    const keysDir = join(dir, 'keys');
    // Every process waits for the same instant, so their calls really overlap.
    const startAt = Date.now() + 700;
    const probe = `const { ensureDevKeyPair } = require(${JSON.stringify(script)});
      setTimeout(() => ensureDevKeyPair(${JSON.stringify(keysDir)})
        .then((pair) => process.stdout.write(JSON.stringify(pair))), ${startAt} - Date.now())`;
    const outputs = await Promise.all(
      Array.from({ length: 8 }, () => run(process.execPath, ['-e', probe])),
    );
    const pairs = outputs.map(
      ({ stdout }) => JSON.parse(stdout) as { privateKeyPem: string; publicKeyPem: string },
    );
    expect(new Set(pairs.map((pair) => pair.privateKeyPem)).size).toBe(1);
    expect(pairs[0].privateKeyPem).toBe(await readFile(join(keysDir, 'jwt-private.pem'), 'utf8'));
    expect(pairs[0].publicKeyPem).toBe(await readFile(join(keysDir, 'jwt-public.pem'), 'utf8'));
    expect((await readdir(keysDir)).sort()).toEqual(['jwt-private.pem', 'jwt-public.pem']);
  });
});

@Controller()
class AccountController {
  constructor(private readonly signer: TokenSigner) {}

  @Public()
  @Get('.well-known/jwks.json')
  jwks() {
    return this.signer.publicJwks();
  }

  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser) {
    return user;
  }

  @Roles('agent', 'admin')
  @Get('queue')
  queue() {
    return { items: [] };
  }
}

describe('AuthModule over real HTTP', () => {
  const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redisPrefix = `ajla_t:auth:${randomUUID()}:`;
  let dir: string;
  let app: NestFastifyApplication;
  let url: string;
  let signer: TokenSigner;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ajla-authapp-'));
    const authConfig = {
      ...loadConfig(AuthConfig, { JWT_KEYS_DIR: dir }),
      REDIS_URL,
      REDIS_KEY_PREFIX: redisPrefix,
    };

    @Module({
      imports: [
        PlatformModule.forRoot({ serviceName: 'auth-test', logLevel: 'silent' }),
        AuthModule.forRoot({ config: authConfig, signing: true }),
      ],
      controllers: [AccountController],
    })
    class TestAppModule {}

    app = await createServiceApp(TestAppModule, {
      serviceName: 'auth-test',
      config: loadConfig(BaseServiceConfig, { PORT: '8998' }),
    });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    signer = app.get(TokenSigner);
  });

  afterAll(async () => {
    await app?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (path: string, token?: string) =>
    fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('keeps health, metrics and public routes open', async () => {
    expect((await get('/health/live')).status).toBe(200);
    expect((await get('/health/ready')).status).toBe(200);
    expect((await get('/metrics')).status).toBe(200);
    const jwks = await get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys).toHaveLength(1);
  });

  it('answers 401 JSON without a token or with a bad one', async () => {
    const missing = await get('/me');
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ detail: 'Missing bearer token', code: 'missing_token' });
    const bad = await get('/me', 'a.b.c');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toMatchObject({ code: 'invalid_token' });
  });

  it('lets a valid token through and hands the caller to the handler', async () => {
    const { token } = await signer.sign({
      sub: 'user-1',
      role: 'user',
      tier: 5000,
      sid: 'session-1',
    });
    const response = await get('/me', token);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      id: 'user-1',
      role: 'user',
      tier: 5000,
      sessionId: 'session-1',
    });
  });

  it('answers 403 to a role the route does not allow', async () => {
    const client = await signer.sign({ sub: 'user-1', role: 'user', tier: 5000, sid: 'session-1' });
    const forbidden = await get('/queue', client.token);
    expect(forbidden.status).toBe(403);
    expect(await forbidden.json()).toEqual({
      detail: 'Only agent or admin may do this',
      code: 'role_not_allowed',
    });
    const agent = await signer.sign({
      sub: 'agent-1',
      role: 'agent',
      tier: 5000,
      sid: 'session-1',
    });
    expect((await get('/queue', agent.token)).status).toBe(200);
  });

  it('refuses an ended session and applies an access change within a second of their announcement', async () => {
    const redis = createRedisClient({ REDIS_URL, REDIS_KEY_PREFIX: redisPrefix });
    const publisher = new SessionRevocationPublisher(redis, {
      keyPrefix: redisPrefix,
      accessTokenTtlSeconds: 900,
    });
    try {
      const ended = await signer.sign({ sub: 'user-7', role: 'agent', tier: 5000, sid: 's-7' });
      const kept = await signer.sign({ sub: 'user-7', role: 'agent', tier: 5000, sid: 's-8' });
      const agent = await signer.sign({ sub: 'agent-9', role: 'agent', tier: 5000, sid: 's-9' });
      expect((await get('/me', ended.token)).status).toBe(200);
      expect((await get('/queue', agent.token)).status).toBe(200);

      await publisher.sessionRevoked({ sessionId: 's-7', userId: 'user-7', at: new Date() });
      await publisher.accessChanged({
        userId: 'agent-9',
        role: 'user',
        tier: 5000,
        at: new Date(),
      });
      const announced = Date.now();

      const statusOf = async (path: string, token: string, wanted: number) => {
        for (;;) {
          const res = await get(path, token);
          if (res.status === wanted || Date.now() - announced > 1000) return res;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      };
      const refused = await statusOf('/me', ended.token, 401);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({
        detail: 'Session has ended: sign in again',
        code: 'session_revoked',
      });
      expect((await statusOf('/queue', agent.token, 403)).status).toBe(403);
      expect((await get('/me', kept.token)).status).toBe(200);
      const ready = (await (await get('/health/ready')).json()) as { checks: object };
      expect(ready.checks).toHaveProperty('session_revocations', { status: 'ok' });
    } finally {
      const keys = await redis.keys(`${redisPrefix}*`);
      if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(redisPrefix.length)));
      await redis.quit();
    }
  });
});
