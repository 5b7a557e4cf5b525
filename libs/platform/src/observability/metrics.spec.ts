import { metricsOpenOnAppPort } from './metrics';

describe('metricsOpenOnAppPort', () => {
  const token = 'a-scraper-secret-of-at-least-32-chars';

  it('is open on a service port by default (services are reached only from inside)', () => {
    expect(metricsOpenOnAppPort({}, undefined)).toBe(true);
  });

  it('is closed on a public port, or once metrics have a port of their own, without a token', () => {
    expect(metricsOpenOnAppPort({ publicPort: true }, undefined)).toBe(false);
    expect(metricsOpenOnAppPort({ port: 9464 }, undefined)).toBe(false);
    expect(metricsOpenOnAppPort({ publicPort: true }, 'Bearer anything')).toBe(false);
  });

  it('opens with the configured bearer token only, wherever it is configured', () => {
    for (const exposure of [{ token }, { token, publicPort: true, port: 9464 }]) {
      expect(metricsOpenOnAppPort(exposure, `Bearer ${token}`)).toBe(true);
      expect(metricsOpenOnAppPort(exposure, `bearer ${token}`)).toBe(true);
      expect(metricsOpenOnAppPort(exposure, undefined)).toBe(false);
      expect(metricsOpenOnAppPort(exposure, `Bearer ${token}x`)).toBe(false);
      expect(metricsOpenOnAppPort(exposure, `Bearer ${token.slice(1)}`)).toBe(false);
      expect(metricsOpenOnAppPort(exposure, token)).toBe(false);
    }
  });
});
