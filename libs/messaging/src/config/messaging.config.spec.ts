import { BaseServiceConfig, ConfigError, loadConfig } from '@ajla/platform';
import { MessagingConfig, parseRetryDelays, withMessagingConfig } from './messaging.config';

class ServiceConfig extends withMessagingConfig(BaseServiceConfig) {}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(ServiceConfig, { PORT: '8002', ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('messaging configuration', () => {
  it('has defaults for everything', () => {
    expect(loadConfig(MessagingConfig, {})).toMatchObject({
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
      RABBITMQ_PREFETCH: 32,
      OUTBOX_POLL_INTERVAL_MS: 200,
      OUTBOX_MIN_BATCH_INTERVAL_MS: 100,
      OUTBOX_BATCH_SIZE: 100,
      OUTBOX_RETENTION_HOURS: 0,
      OUTBOX_VACUUM_EVERY_ROWS: 2_000,
      CONSUMER_RETRY_DELAYS_MS: '1000,5000,30000,120000,600000',
      EVENTS_EXCHANGE: 'ajla.events',
      INBOX_RETENTION_DAYS: 30,
      INBOX_PRUNE_INTERVAL_MINUTES: 60,
    });
  });

  it('refuses an inbox retention that does not far outlast the retry schedule', () => {
    // Five delays of a day each: 5 days of retries, so at least 50 days of inbox.
    const delays = '86400000,86400000,86400000,86400000,86400000';
    const problems = problemsOf({ CONSUMER_RETRY_DELAYS_MS: delays, INBOX_RETENTION_DAYS: '30' });
    expect(problems).toEqual([
      expect.stringMatching(/^INBOX_RETENTION_DAYS: must be 0 \(keep\) or at least 50 days/),
    ]);
    expect(
      loadConfig(ServiceConfig, {
        PORT: '1',
        CONSUMER_RETRY_DELAYS_MS: delays,
        INBOX_RETENTION_DAYS: '50',
      }).INBOX_RETENTION_DAYS,
    ).toBe(50);
    expect(
      loadConfig(ServiceConfig, {
        PORT: '1',
        CONSUMER_RETRY_DELAYS_MS: delays,
        INBOX_RETENTION_DAYS: '0',
      }).INBOX_RETENTION_DAYS,
    ).toBe(0);
  });

  it('reads the variables, mixed into a service config', () => {
    const config = loadConfig(ServiceConfig, {
      PORT: '8002',
      RABBITMQ_URL: 'amqps://u:p@mq.internal:5671/ajla',
      RABBITMQ_PREFETCH: '8',
      CONSUMER_RETRY_DELAYS_MS: '100, 200',
      EVENTS_EXCHANGE: 'ajla_t.events.x1',
    });
    expect(config.RABBITMQ_PREFETCH).toBe(8);
    expect(parseRetryDelays(config.CONSUMER_RETRY_DELAYS_MS)).toEqual([100, 200]);
    expect(config.EVENTS_EXCHANGE).toBe('ajla_t.events.x1');
  });

  it('says what is wrong, never echoing the URL', () => {
    expect(
      problemsOf({
        RABBITMQ_URL: 'http://guest:secret@mq',
        RABBITMQ_PREFETCH: '0',
        CONSUMER_RETRY_DELAYS_MS: '100,0,abc',
        EVENTS_EXCHANGE: 'has spaces',
      }),
    ).toEqual([
      'RABBITMQ_URL: must be an amqp:// or amqps:// URL (value hidden)',
      'RABBITMQ_PREFETCH: must be an integer from 1 to 1000 (got "0")',
      'CONSUMER_RETRY_DELAYS_MS: must be a comma-separated list of positive integers (milliseconds) (got "100,0,abc")',
      'EVENTS_EXCHANGE: must be an exchange name (letters, digits, . _ : -) (got "has spaces")',
    ]);
  });

  it('parses retry delays strictly', () => {
    expect(parseRetryDelays('1000,5000,30000,120000,600000')).toEqual([
      1000, 5000, 30000, 120000, 600000,
    ]);
    expect(() => parseRetryDelays('')).toThrow();
    expect(() => parseRetryDelays('1,,2')).toThrow();
  });
});
