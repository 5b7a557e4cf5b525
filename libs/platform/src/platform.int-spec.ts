import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import {
  Body,
  Controller,
  Get,
  Inject,
  Injectable,
  Logger,
  Module,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsInt, IsObject, IsOptional, IsString, Min } from 'class-validator';
import { Redis } from 'ioredis';
import { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import { ConflictError, RateLimitedError } from '@ajla/shared-kernel';
// Test-only dependency on the test helpers (the boundary rule does not tell spec files apart).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { TestDatabase, createTestDatabase, uniqueRedisPrefix } from '@ajla/testing';
import {
  BaseServiceConfig,
  DatabaseConfig,
  DatabaseModule,
  PlatformModule,
  READINESS_CHECKS,
  REDIS,
  ReadinessCheck,
  RedisConfig,
  RedisModule,
  PageQueryDto,
  createServiceApp,
  currentRequestContext,
  installShutdown,
  loadConfig,
} from './index';

class CreateThing {
  @IsString()
  name!: string;

  @IsInt()
  @Min(1)
  count!: number;
}

class CreateLooseThing {
  @IsString()
  name!: string;

  @IsOptional()
  @IsObject()
  extra?: Record<string, unknown>;
}

class ListThingsQuery extends PageQueryDto {}

class CreateThingTable1700000000000 implements MigrationInterface {
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE thing (id serial PRIMARY KEY, name text NOT NULL)');
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE thing');
  }
}

@Injectable()
class SwitchableCheck implements ReadinessCheck {
  readonly name = 'switchable';
  healthy = true;
  critical = true;
  async check(): Promise<void> {
    if (!this.healthy) throw new Error('switched off');
  }
}

let release: () => void = () => undefined;

@Controller('things')
class ThingsController {
  private readonly logger = new Logger('ThingsController');

  constructor(
    private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  @Post()
  async create(@Body() body: CreateThing): Promise<{ name: string; count: number; id: number }> {
    this.logger.log('creating a thing');
    const [row] = await this.dataSource.query('INSERT INTO thing (name) VALUES ($1) RETURNING id', [
      body.name,
    ]);
    await this.redis.set('last-thing', body.name);
    return { ...body, id: row.id };
  }

  @Post('loose')
  async createLoose(@Body() body: CreateLooseThing): Promise<{ id: number }> {
    const [row] = await this.dataSource.query(
      'INSERT INTO thing (name) VALUES ($1 || $2::jsonb::text) RETURNING id',
      [body.name, JSON.stringify(body.extra ?? {})],
    );
    return { id: row.id };
  }

  @Get()
  list(@Query() query: ListThingsQuery): ListThingsQuery {
    return query;
  }

  @Get('by-name/:name')
  byName(@Param('name') name: string): { name: string } {
    return { name };
  }

  /** Stores the same id twice: the second INSERT fails with the row's values in pg's `detail`. */
  @Post('twice')
  async twice(@Body() body: CreateThing): Promise<never> {
    const insert = 'INSERT INTO thing (id, name) VALUES ($1, $2)';
    await this.dataSource.query(insert, [1000 + body.count, body.name]);
    await this.dataSource.query(insert, [1000 + body.count, body.name]);
    throw new Error('unreachable');
  }

  @Get('taken')
  taken(): never {
    throw new ConflictError('That thing is taken', 'thing_taken');
  }

  @Get('throttled')
  throttled(): never {
    throw new RateLimitedError('Slow down', 42);
  }

  @Get('boom')
  boom(): never {
    throw new Error('secret internals at db.example:5432');
  }

  @Get('context')
  context(): unknown {
    return currentRequestContext();
  }

  @Get('slow')
  async slow(): Promise<{ done: boolean }> {
    await new Promise<void>((resolve) => (release = resolve));
    return { done: true };
  }
}

describe('platform over real HTTP, Postgres and Redis', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let url: string;
  const logLines: Array<Record<string, unknown>> = [];
  const redisPrefix = uniqueRedisPrefix('platform');

  beforeAll(async () => {
    db = await createTestDatabase('platform');
    const config = loadConfig(BaseServiceConfig, {
      PORT: '8999',
      LOG_LEVEL: 'info',
      BODY_LIMIT_BYTES: '2048',
    });

    @Module({
      imports: [
        PlatformModule.forRoot({
          serviceName: 'platform-test',
          logLevel: 'info',
          logDestination: { write: (line: string) => void logLines.push(JSON.parse(line)) },
          // As at the edge: the request lines these tests read are then written at info.
          requestLogLevel: 'info',
        }),
        DatabaseModule.forRoot({
          schema: 'things',
          migrations: [CreateThingTable1700000000000],
          config: loadConfig(DatabaseConfig, { DATABASE_URL: db.url }),
        }),
        RedisModule.forRoot({ config: loadConfig(RedisConfig, { REDIS_KEY_PREFIX: redisPrefix }) }),
      ],
      controllers: [ThingsController],
      providers: [SwitchableCheck, { provide: READINESS_CHECKS, useExisting: SwitchableCheck }],
    })
    class TestAppModule {}

    app = await createServiceApp(TestAppModule, {
      serviceName: 'platform-test',
      config,
      openApi: { title: 'Test', version: '1' },
    });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const post = (path: string, body: string, contentType = 'application/json') =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

  /** A GET through node:http, which (unlike fetch) sends any URL as it is. */
  const rawGet = (path: string) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
      (resolve, reject) => {
        const req = httpRequest(`${url}${path}`, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        });
        req.on('error', reject);
        req.end();
      },
    );

  it('creates the schema, runs migrations into it and keeps the migrations table there', async () => {
    const dataSource = app.get(DataSource);
    const tables = await dataSource.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'things' ORDER BY 1",
    );
    expect(tables.map((t: { table_name: string }) => t.table_name)).toEqual([
      'migrations',
      'thing',
    ]);
  });

  it('handles a valid body end to end and echoes the request id', async () => {
    const response = await fetch(`${url}/things`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'req-123',
        'x-correlation-id': 'corr-9',
      },
      body: JSON.stringify({ name: 'lamp', count: 2 }),
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-request-id')).toBe('req-123');
    expect(response.headers.get('x-correlation-id')).toBe('corr-9');
    expect(await response.json()).toEqual({ name: 'lamp', count: 2, id: 1 });
    const redis = app.get<Redis>(REDIS);
    expect(await redis.get('last-thing')).toBe('lamp');
  });

  it('generates a request id when none (or a malformed one) is given', async () => {
    const response = await fetch(`${url}/health/live`, {
      headers: { 'x-request-id': 'bad id with spaces' },
    });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps the correlation id and trace through the request, the body parsing included', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const response = await fetch(`${url}/things/context`, {
      headers: { 'x-correlation-id': 'corr-ctx', traceparent },
    });
    expect(await response.json()).toMatchObject({
      correlationId: 'corr-ctx',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    });
  });

  it('writes JSON logs carrying the request id and correlation id, without secrets', async () => {
    logLines.length = 0;
    await fetch(`${url}/things`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'req-log',
        'x-correlation-id': 'corr-log',
        authorization: 'Bearer secret-token',
      },
      body: JSON.stringify({ name: 'chair', count: 1 }),
    });
    const appLine = logLines.find((line) => line.msg === 'creating a thing');
    expect(appLine).toMatchObject({
      service: 'platform-test',
      reqId: 'req-log',
      correlationId: 'corr-log',
    });
    const completed = logLines.find((line) => line.msg === 'request completed');
    expect(completed).toMatchObject({
      reqId: 'req-log',
      correlationId: 'corr-log',
      res: { statusCode: 201 },
    });
    expect(JSON.stringify(logLines)).not.toContain('secret-token');
  });

  it('answers malformed JSON with 400 and a JSON detail', async () => {
    const response = await post('/things', '{"name": ');
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(await response.json()).toEqual({
      detail: 'Malformed JSON body',
      code: 'malformed_json',
    });
  });

  it('answers an empty JSON body with 400', async () => {
    const response = await post('/things', '');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'malformed_json' });
  });

  it('answers an unknown field with 400 naming it', async () => {
    const response = await post('/things', JSON.stringify({ name: 'x', count: 1, role: 'admin' }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      detail: 'property role should not exist',
      code: 'validation',
    });
  });

  it('answers a wrong-typed or missing field with 400', async () => {
    const response = await post('/things', JSON.stringify({ name: 7 }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { detail: string; code: string };
    expect(body.code).toBe('validation');
    expect(body.detail).toContain('name must be a string');
    expect(body.detail).toContain('count must be an integer number');
  });

  describe('hostile input', () => {
    const refusal = async (response: Response) => ({
      status: response.status,
      body: (await response.json()) as unknown,
    });
    const nestedArrays = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

    it('refuses a body nested too deeply with 400, before validation', async () => {
      // 1000 levels fit in the 2 KiB body limit of this app.
      const deep = `{"name":"x","extra":{"a":${nestedArrays(1000)}}}`;
      expect(await refusal(await post('/things/loose', deep))).toEqual({
        status: 400,
        body: {
          detail: 'JSON body is nested too deeply (at most 32 levels)',
          code: 'nested_too_deeply',
        },
      });
      // The body, extra and 30 arrays: 32 levels.
      const fits = `{"name":"x","extra":{"a":${nestedArrays(30)}}}`;
      expect((await post('/things/loose', fits)).status).toBe(201);
    });

    it('refuses NUL and lone surrogates in any string or key, and stores nothing', async () => {
      const dataSource = app.get(DataSource);
      const [{ count: before }] = await dataSource.query(
        'SELECT count(*)::int AS count FROM thing',
      );
      for (const [body, detail] of [
        ['{"name":"a\\u0000b"}', 'name contains characters that cannot be stored'],
        ['{"name":"a\\ud800b"}', 'name contains characters that cannot be stored'],
        [
          '{"name":"x","extra":{"a":["ok","\\udc00"]}}',
          'extra.a[1] contains characters that cannot be stored',
        ],
        [
          '{"name":"x","extra":{"a\\u0000":1}}',
          'a key in extra contains characters that cannot be stored',
        ],
      ]) {
        expect(await refusal(await post('/things/loose', body!))).toEqual({
          status: 400,
          body: { detail, code: 'unstorable_text' },
        });
      }
      const [{ count: after }] = await dataSource.query('SELECT count(*)::int AS count FROM thing');
      expect(after).toBe(before);
    });

    it.each(['__proto__', 'constructor', 'prototype'])(
      'refuses the key %s like any unknown field, at the top and inside a free object',
      async (key) => {
        expect(await refusal(await post('/things', `{"name":"x","count":1,"${key}":1}`))).toEqual({
          status: 400,
          body: { detail: `property ${key} should not exist`, code: 'validation' },
        });
        expect(
          await refusal(await post('/things/loose', `{"name":"x","extra":{"${key}":{}}}`)),
        ).toEqual({
          status: 400,
          body: { detail: `property extra.${key} should not exist`, code: 'validation' },
        });
      },
    );

    it('checks query strings the same way', async () => {
      for (const [query, detail] of [
        ['constructor=1', 'property constructor should not exist'],
        ['__proto__=1', 'property __proto__ should not exist'],
        ['page=1&q=%00', 'q contains characters that cannot be stored'],
        ['page=2147483648', 'page must not be greater than 2147483647'],
        ['page=99999999999', 'page must not be greater than 2147483647'],
      ]) {
        const response = await fetch(`${url}/things?${query}`);
        expect({ query, ...(await refusal(response)) }).toEqual({
          query,
          status: 400,
          body: { detail, code: expect.any(String) },
        });
      }
      expect(await (await fetch(`${url}/things?page=2147483647`)).json()).toEqual({
        page: 2147483647,
      });
    });

    it("answers the router's and the HTTP parser's refusals in the API's shape, echoing nothing", async () => {
      expect(await refusal(await fetch(`${url}/things/by-name/%zz-secret`))).toEqual({
        status: 400,
        body: { detail: 'Malformed percent-encoding in the URL', code: 'malformed_url' },
      });
      expect(await refusal(await fetch(`${url}/things/by-name/${'n'.repeat(200)}`))).toEqual({
        status: 414,
        body: { detail: 'A path segment of the URL is too long', code: 'uri_too_long' },
      });
      const long = await rawGet(`/things/${'x'.repeat(20_000)}`);
      expect(long.status).toBe(431);
      expect(long.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(long.body)).toEqual({
        detail: 'The URL or the headers are too large',
        code: 'headers_too_large',
      });
      // The service still answers.
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
    });

    it('lets a client still sending under a refused URL read the 431, not a reset', async () => {
      // A client that writes its whole request before it reads (fetch, curl): the body is still
      // arriving when the parser gives up on the URL. Closing at once would reset the connection
      // and drop the answer the client had not read yet.
      const { port } = new URL(url);
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
        socket.on('error', reject);
        socket.on('end', () => resolve(text));
        socket.write(
          `POST /things?q=${'x'.repeat(20_000)} HTTP/1.1\r\nHost: test\r\n` +
            'Content-Type: application/json\r\nContent-Length: 4000000\r\n\r\n',
        );
        // Read only after the rest of the body went out, as such a client does.
        socket.pause();
        socket.write('y'.repeat(4_000_000), () => setTimeout(() => socket.resume(), 200));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
      expect(answer).toContain('"code":"headers_too_large"');
    });

    it("logs a database error's SQLSTATE and constraint, never its parameters or row values", async () => {
      logLines.length = 0;
      const response = await post(
        '/things/twice?token=tok-500-SECRET',
        JSON.stringify({ name: 'hash-ABC123', count: 7 }),
      );
      expect(response.status).toBe(500);
      const logged = JSON.stringify(logLines);
      expect(logged).toContain('23505');
      expect(logged).toContain('thing_pkey');
      expect(logged).not.toContain('hash-ABC123');
      expect(logged).not.toContain('(id)=(1007)');
      expect(logged).not.toContain('tok-500-SECRET');
    });

    it('logs no query value but those of paging and filters', async () => {
      logLines.length = 0;
      await fetch(`${url}/things?page=2&token=tok-SECRET`);
      const completed = logLines.find((line) => line.msg === 'request completed');
      expect(completed).toMatchObject({ req: { url: '/things?page=2&token=[REDACTED]' } });
      expect(JSON.stringify(logLines)).not.toContain('tok-SECRET');
    });
  });

  it('answers another media type with 415 and a body over the limit with 413', async () => {
    const text = await post('/things', 'name=x', 'text/plain');
    expect(text.status).toBe(415);
    expect(await text.json()).toMatchObject({ code: 'unsupported_media_type' });
    const form = await post('/things', 'name=x', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(415);
    const large = await post('/things', JSON.stringify({ name: 'x'.repeat(4096), count: 1 }));
    expect(large.status).toBe(413);
    expect(await large.json()).toEqual({
      detail: 'Request body is too large',
      code: 'payload_too_large',
    });
  });

  it('answers an unknown route with 404 {"detail":"Not found"}', async () => {
    const response = await fetch(`${url}/no/such/route`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ detail: 'Not found', code: 'not_found' });
    const wrongMethod = await fetch(`${url}/things/taken`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(404);
  });

  it('maps domain errors by code, with Retry-After for rate limits', async () => {
    const taken = await fetch(`${url}/things/taken`);
    expect(taken.status).toBe(409);
    expect(await taken.json()).toEqual({ detail: 'That thing is taken', code: 'thing_taken' });
    const throttled = await fetch(`${url}/things/throttled`);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('42');
  });

  it('answers an unexpected error with a generic 500 and logs the stack', async () => {
    logLines.length = 0;
    const response = await fetch(`${url}/things/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ detail: 'Internal server error', code: 'internal' });
    expect(text).not.toContain('secret internals');
    expect(JSON.stringify(logLines)).toContain('secret internals');
  });

  it('reports readiness 200, then 503 naming the failed check', async () => {
    const ok = await fetch(`${url}/health/ready`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({
      status: 'ok',
      checks: { postgres: { status: 'ok' }, redis: { status: 'ok' }, switchable: { status: 'ok' } },
    });
    app.get(SwitchableCheck).healthy = false;
    try {
      const down = await fetch(`${url}/health/ready`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        status: 'unavailable',
        checks: {
          postgres: { status: 'ok' },
          switchable: { status: 'error', error: 'switched off' },
        },
      });
      expect((await fetch(`${url}/health/live`)).status).toBe(200);
    } finally {
      app.get(SwitchableCheck).healthy = true;
    }
  });

  it('stays ready (200, degraded) when only a non-critical check fails', async () => {
    const check = app.get(SwitchableCheck);
    check.healthy = false;
    check.critical = false;
    try {
      const degraded = await fetch(`${url}/health/ready`);
      expect(degraded.status).toBe(200);
      expect(await degraded.json()).toEqual({
        status: 'degraded',
        checks: {
          postgres: { status: 'ok' },
          redis: { status: 'ok' },
          switchable: { status: 'degraded', error: 'switched off' },
        },
      });
    } finally {
      check.healthy = true;
      check.critical = true;
    }
  });

  it('exposes Prometheus metrics with the request histogram', async () => {
    await fetch(`${url}/things/taken`);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('# TYPE http_request_duration_seconds histogram');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="\/things\/taken"[^}]*status_code="409"/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{[^}]*route="unmatched"[^}]*status_code="404"/,
    );
    expect(text).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document', async () => {
    const response = await fetch(`${url}/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as { info: { title: string }; paths: object };
    expect(document.info.title).toBe('Test');
    expect(Object.keys(document.paths)).toContain('/things');
    expect(Object.keys(document.paths)).not.toContain('/metrics');
    const ui = await fetch(`${url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('shuts down gracefully: in-flight requests finish, then Postgres and Redis close', async () => {
    const exit = jest.fn();
    const readinessInDrain: number[] = [];
    const shutdown = installShutdown(app, {
      serviceName: 'platform-test',
      graceMs: 5000,
      logger: new Logger('test'),
      exit,
      // Not ready from the signal on, while the drain still serves.
      onShutdownStart: async () => {
        readinessInDrain.push((await fetch(`${url}/health/ready`)).status);
      },
    });
    const inFlight = fetch(`${url}/things/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = shutdown('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(exit).not.toHaveBeenCalled();
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    await closing;
    expect(readinessInDrain).toEqual([503]);
    expect(exit).toHaveBeenCalledWith(0);
    expect(app.get(DataSource).isInitialized).toBe(false);
    expect(app.get<Redis>(REDIS).status).toBe('end');
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
  });
});
