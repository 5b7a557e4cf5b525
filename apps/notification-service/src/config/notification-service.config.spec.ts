import { loadNotificationServiceConfig } from './notification-service.config';

describe('notification-service mail configuration', () => {
  it('defaults to the drop folder, a two-minute digest and a repeating back-off', () => {
    const config = loadNotificationServiceConfig({});
    expect(config.SMTP_URL).toBeUndefined();
    expect(config.MAIL_DROP_DIR).toBe('tmp/mail');
    expect(config.WEB_APP_URL).toBe('http://localhost:8000');
    expect(config.MAIL_DIGEST_DELAY_MS).toBe(120_000);
    expect(config.MAIL_RETRY_DELAYS_MS).toBe('10000,60000,300000,1800000');
  });

  it('refuses a bad SMTP_URL (never echoing it), delay list or web app URL, one line each', () => {
    const load = () =>
      loadNotificationServiceConfig({
        SMTP_URL: 'http://mailer:pw-secret@mail.example',
        MAIL_RETRY_DELAYS_MS: '10,-5',
        WEB_APP_URL: 'localhost:8000',
        MAIL_DIGEST_DELAY_MS: 'soon',
      });
    expect(load).toThrow(/SMTP_URL.*smtp:\/\//);
    expect(load).toThrow(/MAIL_RETRY_DELAYS_MS/);
    expect(load).toThrow(/WEB_APP_URL/);
    expect(load).toThrow(/MAIL_DIGEST_DELAY_MS/);
    expect(load).not.toThrow(/pw-secret/);
  });

  it('requires an SMTP server in production: dropped files would reach nobody', () => {
    expect(() => loadNotificationServiceConfig({ NODE_ENV: 'production' })).toThrow(/SMTP_URL/);
  });
});

describe('notification-service webhook configuration', () => {
  it('defaults to a 10 s timeout, a day-long back-off and no private targets', () => {
    const config = loadNotificationServiceConfig({});
    expect(config.WEBHOOK_TIMEOUT_MS).toBe(10_000);
    expect(config.WEBHOOK_RETRY_DELAYS_MS).toBe(
      '5000,300000,1800000,7200000,18000000,36000000,36000000',
    );
    expect(config.WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(config.WEBHOOK_SECRET_OVERLAP_MS).toBe(86_400_000);
    expect(config.WEBHOOK_DISABLE_AFTER_MS).toBe(432_000_000);
  });

  it('reads WEBHOOK_ALLOW_PRIVATE as a boolean, "false" included, and refuses other words', () => {
    expect(
      loadNotificationServiceConfig({ WEBHOOK_ALLOW_PRIVATE: 'true' }).WEBHOOK_ALLOW_PRIVATE,
    ).toBe(true);
    expect(
      loadNotificationServiceConfig({ WEBHOOK_ALLOW_PRIVATE: 'false' }).WEBHOOK_ALLOW_PRIVATE,
    ).toBe(false);
    expect(() => loadNotificationServiceConfig({ WEBHOOK_ALLOW_PRIVATE: 'maybe' })).toThrow(
      /WEBHOOK_ALLOW_PRIVATE/,
    );
  });

  it('refuses a bad delay list or timeout', () => {
    const load = () =>
      loadNotificationServiceConfig({ WEBHOOK_RETRY_DELAYS_MS: '5,x', WEBHOOK_TIMEOUT_MS: '0' });
    expect(load).toThrow(/WEBHOOK_RETRY_DELAYS_MS/);
    expect(load).toThrow(/WEBHOOK_TIMEOUT_MS/);
  });

  it('refuses an overlap beyond 7 days or a negative disable period', () => {
    const load = () =>
      loadNotificationServiceConfig({
        WEBHOOK_SECRET_OVERLAP_MS: '604800001',
        WEBHOOK_DISABLE_AFTER_MS: '-1',
      });
    expect(load).toThrow(/WEBHOOK_SECRET_OVERLAP_MS/);
    expect(load).toThrow(/WEBHOOK_DISABLE_AFTER_MS/);
    expect(
      loadNotificationServiceConfig({ WEBHOOK_DISABLE_AFTER_MS: '0' }).WEBHOOK_DISABLE_AFTER_MS,
    ).toBe(0);
  });
});
