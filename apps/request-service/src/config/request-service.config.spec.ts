import { ConfigError, loadConfig } from '@ajla/platform';
import {
  loadRequestServiceConfig,
  RequestServiceCliConfig,
  RequestServiceConfig,
} from './request-service.config';

describe('RequestServiceConfig', () => {
  it('has defaults for everything, PORT 8002 included', () => {
    const config = loadConfig(RequestServiceConfig, {});
    expect(config).toMatchObject({
      PORT: 8002,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ajla',
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
      EVENTS_EXCHANGE: 'ajla.events',
      JWT_ISSUER: 'ajla-user-service',
      JWT_AUDIENCE: 'ajla',
    });
  });

  it('reads numbers from their text', () => {
    const config = loadConfig(RequestServiceConfig, {
      PORT: '9002',
      OUTBOX_POLL_INTERVAL_MS: '50',
      RABBITMQ_PREFETCH: '8',
    });
    expect(config).toMatchObject({ PORT: 9002, OUTBOX_POLL_INTERVAL_MS: 50, RABBITMQ_PREFETCH: 8 });
  });

  it.each([
    [{ PORT: 'abc' }, /PORT: must be an integer/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: .*\(value hidden\)/],
    [{ RABBITMQ_URL: 'http://x' }, /RABBITMQ_URL: /],
    [{ CONSUMER_RETRY_DELAYS_MS: '1s,5s' }, /CONSUMER_RETRY_DELAYS_MS: /],
    [{ JWT_JWKS_URL: 'not a url' }, /JWT_JWKS_URL: /],
  ])('refuses %p with a clear line', (env, message) => {
    expect(() => loadConfig(RequestServiceConfig, env)).toThrow(ConfigError);
    expect(() => loadConfig(RequestServiceConfig, env)).toThrow(message);
  });

  it('calls conversation-service at :8003 by default; an empty variable or none disables it', () => {
    expect(loadRequestServiceConfig({})).toMatchObject({
      CONVERSATION_SERVICE_URL: 'http://127.0.0.1:8003',
      CONVERSATION_SERVICE_TIMEOUT_MS: 2000,
    });
    expect(
      loadRequestServiceConfig({ CONVERSATION_SERVICE_URL: '' }).CONVERSATION_SERVICE_URL,
    ).toBe('none');
    expect(
      loadRequestServiceConfig({ CONVERSATION_SERVICE_URL: 'none' }).CONVERSATION_SERVICE_URL,
    ).toBe('none');
    expect(
      loadRequestServiceConfig({ CONVERSATION_SERVICE_URL: 'http://conversation-service:8003' })
        .CONVERSATION_SERVICE_URL,
    ).toBe('http://conversation-service:8003');
    expect(() => loadRequestServiceConfig({ CONVERSATION_SERVICE_URL: 'ftp://x' })).toThrow(
      /CONVERSATION_SERVICE_URL: /,
    );
    expect(() => loadRequestServiceConfig({ CONVERSATION_SERVICE_TIMEOUT_MS: '10' })).toThrow(
      /CONVERSATION_SERVICE_TIMEOUT_MS: /,
    );
  });

  it('gives the command line the database and, for dead-letters, the broker (no keys)', () => {
    const config = loadConfig(RequestServiceCliConfig, {
      DATABASE_URL: 'postgres://db/x',
      RABBITMQ_URL: 'amqp://mq/ajla',
    });
    expect(config.DATABASE_URL).toBe('postgres://db/x');
    expect(config.RABBITMQ_URL).toBe('amqp://mq/ajla');
    expect('JWT_ISSUER' in config).toBe(false);
    expect('CONVERSATION_SERVICE_URL' in config).toBe(false);
  });
});
