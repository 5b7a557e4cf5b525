import { Writable } from 'node:stream';
import pino from 'pino';
import { QueryFailedError } from 'typeorm';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  LOG_FLUSH_INTERVAL_MS,
  AccessLog,
  accessLineLevel,
  bufferedStdout,
  redactUrl,
  serializeError,
} from './logger';

/** What pg's driver throws for a unique violation, with the row's values in `detail`. */
function uniqueViolation(): Error {
  return Object.assign(
    new Error('duplicate key value violates unique constraint "users_email_key"'),
    {
      code: '23505',
      severity: 'ERROR',
      detail: 'Key (email)=(layla@example.com) already exists.',
      schema: 'users',
      table: 'users',
      constraint: 'users_email_key',
      routine: '_bt_check_unique',
      where: 'SQL function "f" statement 1',
    },
  );
}

describe('redactUrl', () => {
  it('keeps paths and the values of paging and filter parameters', () => {
    expect(redactUrl('/api/v1/requests')).toBe('/api/v1/requests');
    expect(redactUrl('/api/v1/requests?page=2&page_size=20&status=new')).toBe(
      '/api/v1/requests?page=2&page_size=20&status=new',
    );
    expect(redactUrl(undefined)).toBeUndefined();
  });

  it('redacts the value of every other parameter, tokens under any name included', () => {
    expect(redactUrl('/ws/chat/c1?token=eyJhbGciOi.x.y&after_seq=3')).toBe(
      '/ws/chat/c1?token=[REDACTED]&after_seq=3',
    );
    expect(redactUrl('/x?access_token=a&jwt=b&refresh=c&assignee_id=d')).toBe(
      '/x?access_token=[REDACTED]&jwt=[REDACTED]&refresh=[REDACTED]&assignee_id=[REDACTED]',
    );
  });

  it('redacts names that are not parameter names and values that are not plain', () => {
    expect(redactUrl('/x?eyJhbGciOiJFUzI1NiJ9.e30.sig&page=1')).toBe('/x?[REDACTED]&page=1');
    expect(redactUrl('/x?status=%27%20OR%201%3D1&page=2#frag')).toBe('/x?status=[REDACTED]&page=2');
    expect(redactUrl('/x?flag')).toBe('/x?flag');
  });
});

describe('serializeError', () => {
  it("keeps a pg error's SQLSTATE and names, drops its detail and where", () => {
    const serialized = serializeError(uniqueViolation());
    expect(serialized).toEqual({
      type: 'Error',
      message: 'duplicate key value violates unique constraint "users_email_key"',
      stack: expect.stringContaining('users_email_key'),
      code: '23505',
      severity: 'ERROR',
      schema: 'users',
      table: 'users',
      constraint: 'users_email_key',
      routine: '_bt_check_unique',
    });
  });

  it("drops TypeORM's parameters and driverError, keeps the SQL text", () => {
    const error = new QueryFailedError(
      'INSERT INTO "users"."users"("email", "password_hash") VALUES ($1, $2)',
      ['layla@example.com', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA'],
      uniqueViolation(),
    );
    const text = JSON.stringify(serializeError(error));
    expect(text).not.toContain('argon2id');
    expect(text).not.toContain('layla@example.com');
    expect(serializeError(error)).toMatchObject({
      type: 'QueryFailedError',
      code: '23505',
      constraint: 'users_email_key',
      query: expect.stringContaining('VALUES ($1, $2)'),
    });
  });

  it('redacts the value pg quotes at the end of a message, in the stack too', () => {
    const error = Object.assign(
      new Error('invalid input syntax for type uuid: "my-secret-token"'),
      { code: '22P02' },
    );
    const serialized = serializeError(error) as { message: string; stack: string };
    expect(serialized.message).toBe('invalid input syntax for type uuid: "[REDACTED]"');
    expect(serialized.stack).not.toContain('my-secret-token');
  });

  it('follows causes and aggregated errors', () => {
    const error = new AggregateError([uniqueViolation()], 'several', { cause: uniqueViolation() });
    expect(JSON.stringify(serializeError(error))).not.toContain('already exists');
    expect(serializeError(error)).toMatchObject({
      type: 'AggregateError',
      cause: { code: '23505' },
      errors: [{ constraint: 'users_email_key' }],
    });
  });

  it('passes strings and numbers through', () => {
    expect(serializeError('connection refused')).toBe('connection refused');
    expect(serializeError(42)).toBe(42);
  });

  it("takes pino's standard serialisation as input too (pino-http wraps it)", () => {
    const lines: string[] = [];
    const logger = pino(
      {
        serializers: {
          err: (error: unknown) => serializeError(pino.stdSerializers.err(error as Error)),
        },
      },
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          lines.push(String(chunk));
          callback();
        },
      }),
    );
    const error = new QueryFailedError('SELECT $1', ['the-password-hash'], uniqueViolation());
    logger.error({ err: error }, 'failed');
    expect(lines.join('')).not.toContain('the-password-hash');
    expect(lines.join('')).not.toContain('already exists');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      err: { type: 'QueryFailedError', code: '23505', table: 'users' },
    });
  });
});

describe('bufferedStdout', () => {
  let dir: string;
  let file: string;
  let fd: number;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'ajla-log-'));
    file = path.join(dir, 'out.log');
    fd = openSync(file, 'w');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  const written = () => readFileSync(file, 'utf8');
  const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('holds a few lines back, then writes them within the flush interval', async () => {
    const logger = pino({}, bufferedStdout(fd));
    logger.info('first');
    logger.info('second');
    expect(written()).toBe('');
    await wait(LOG_FLUSH_INTERVAL_MS * 3);
    expect(
      written()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).msg),
    ).toEqual(['first', 'second']);
  });

  it('writes a busy stream in chunks, losing and reordering nothing', async () => {
    const logger = pino({}, bufferedStdout(fd));
    for (let i = 0; i < 2000; i++) logger.info({ i }, 'line');
    // Chunks of 16 KB went out while the lines came, without waiting for the timer.
    await wait(20);
    expect(written().length).toBeGreaterThan(16 * 1024);
    await wait(LOG_FLUSH_INTERVAL_MS * 3);
    const lines = written().trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).i)).toEqual(
      Array.from({ length: 2000 }, (_, i) => i),
    );
  });
});

describe('the level of a request line', () => {
  it('is the success level below 400 (debug in a service, info at the edge), warn and error for failures', () => {
    expect([200, 201, 204, 304].map((status) => accessLineLevel(status, 'debug'))).toEqual([
      'debug',
      'debug',
      'debug',
      'debug',
    ]);
    expect(accessLineLevel(200, 'info')).toBe('info');
    expect([400, 404, 429].map((status) => accessLineLevel(status, 'debug'))).toEqual([
      'warn',
      'warn',
      'warn',
    ]);
    expect(accessLineLevel(503, 'info')).toBe('error');
  });
});

describe('AccessLog', () => {
  const linesOf = (successLevel?: 'info' | 'debug', level = 'info') => {
    const lines: Record<string, unknown>[] = [];
    const log = new AccessLog({
      serviceName: 'test',
      level,
      successLevel,
      destination: { write: (line: string) => void lines.push(JSON.parse(line)) },
    });
    return { log, lines };
  };
  const request = (url: string) => ({
    id: 'req-1',
    method: 'GET',
    url,
    headers: { 'user-agent': 'probe/1', authorization: 'Bearer secret-token' },
  });

  it('writes one line per answer with the request, the status and the time, no header but the agent', () => {
    const { log, lines } = linesOf('info');
    log.write(request('/api/v1/requests?page=2&token=abc'), 200, 12.6);
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        service: 'test',
        msg: 'request completed',
        req: {
          id: 'req-1',
          method: 'GET',
          url: '/api/v1/requests?page=2&token=[REDACTED]',
          userAgent: 'probe/1',
        },
        res: { statusCode: 200 },
        responseTime: 13,
      }),
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });

  it('logs a success at debug in a service (not written at info), a 4xx at warn, a 5xx at error', () => {
    const { log, lines } = linesOf();
    log.write(request('/api/v1/requests'), 200, 1);
    log.write(request('/api/v1/requests'), 404, 1);
    log.write(request('/api/v1/requests'), 503, 1);
    expect(
      lines.map((line) => [line.level, (line.res as { statusCode: number }).statusCode]),
    ).toEqual([
      ['warn', 404],
      ['error', 503],
    ]);
  });

  it('leaves probes and scrapes out, whatever their query', () => {
    const { log, lines } = linesOf('info');
    for (const url of ['/health/live', '/health/ready?x=1', '/metrics'])
      log.write(request(url), 200, 1);
    expect(lines).toEqual([]);
  });
});
