import { ConfigError, loadConfig } from '@ajla/platform';
import {
  ConversationServiceCliConfig,
  ConversationServiceConfig,
} from './conversation-service.config';

describe('ConversationServiceConfig', () => {
  it('has defaults for everything, PORT 8003 included', () => {
    expect(loadConfig(ConversationServiceConfig, {})).toMatchObject({
      PORT: 8003,
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/ajla',
      REDIS_URL: 'redis://127.0.0.1:6379',
      RABBITMQ_URL: 'amqp://guest:guest@127.0.0.1:5672',
      CHAT_MAX_FRAME_BYTES: 65536,
      CHAT_HEARTBEAT_MS: 25000,
      CHAT_RATE_BURST: 200,
      CHAT_RATE_PER_SECOND: 50,
    });
  });

  it.each([
    [{ CHAT_MAX_FRAME_BYTES: '1024' }, /CHAT_MAX_FRAME_BYTES: /],
    [{ CHAT_RATE_BURST: '10' }, /CHAT_RATE_BURST: /],
    [{ CHAT_RATE_PER_SECOND: '1' }, /CHAT_RATE_PER_SECOND: /],
    [{ CHAT_HEARTBEAT_MS: 'soon' }, /CHAT_HEARTBEAT_MS: /],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL: /],
  ])('refuses %p with a clear line', (env, message) => {
    expect(() => loadConfig(ConversationServiceConfig, env)).toThrow(ConfigError);
    expect(() => loadConfig(ConversationServiceConfig, env)).toThrow(message);
  });

  it('gives the command line just the database', () => {
    const config = loadConfig(ConversationServiceCliConfig, { DATABASE_URL: 'postgres://db/x' });
    expect(config.DATABASE_URL).toBe('postgres://db/x');
    expect('REDIS_URL' in config).toBe(false);
  });
});
