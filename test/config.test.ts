import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('CORS_ORIGINS', () => {
  it('defaults to any port of localhost and 127.0.0.1 outside production', () => {
    expect(loadConfig({}).corsOrigins).toEqual([
      { protocol: 'http:', hostname: 'localhost', port: 'any' },
      { protocol: 'http:', hostname: '127.0.0.1', port: 'any' },
    ]);
  });

  it('defaults to no origin in production', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).corsOrigins).toEqual([]);
  });

  it('reads comma-separated origins, with :* for any port', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:*,https://admin.example.com:8443/' }).corsOrigins).toEqual([
      { protocol: 'https:', hostname: 'app.example.com', port: '' },
      { protocol: 'http:', hostname: 'localhost', port: 'any' },
      { protocol: 'https:', hostname: 'admin.example.com', port: '8443' },
    ]);
  });

  it.each([
    'app.example.com',
    'ftp://app.example.com',
    'https://app.example.com/path',
    'https://app.example.com?x=1',
    'https://user@app.example.com',
    'https://*.example.com',
    'https://app.example.com:3000:*',
    'http://localhost:99999',
  ])('refuses the malformed origin %s', (origin) => {
    expect(() => loadConfig({ CORS_ORIGINS: origin })).toThrow(ConfigError);
    expect(() => loadConfig({ CORS_ORIGINS: origin })).toThrow(origin);
  });
});

describe('METRICS_PORT and METRICS_HOST', () => {
  it('keeps /metrics on the API port outside production when unset', () => {
    expect(loadConfig({}).metrics).toEqual({ on: 'api-port' });
  });

  it('serves /metrics nowhere in production when unset', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).metrics).toEqual({ on: 'nowhere' });
  });

  it('gives /metrics its own port, on 127.0.0.1 unless METRICS_HOST says otherwise', () => {
    expect(loadConfig({ NODE_ENV: 'production', METRICS_PORT: '9464' }).metrics).toEqual({ on: 'own-port', port: 9464, host: '127.0.0.1' });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ on: 'own-port', port: 9464, host: '0.0.0.0' });
  });

  it('refuses a malformed port, and a host without a port', () => {
    expect(() => loadConfig({ METRICS_PORT: 'metrics' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_HOST: '0.0.0.0' })).toThrow('METRICS_HOST needs METRICS_PORT');
  });
});

describe('the explorer', () => {
  it('is served outside production only', () => {
    expect(loadConfig({}).explorer).toBe(true);
    expect(loadConfig({ NODE_ENV: 'production' }).explorer).toBe(false);
  });
});

describe('SUBSCRIPTIONS_MAX', () => {
  it('defaults to 10,000 and takes a whole number', () => {
    expect(loadConfig({}).subscriptionsMax).toBe(10_000);
    expect(loadConfig({ SUBSCRIPTIONS_MAX: '50' }).subscriptionsMax).toBe(50);
  });

  it('refuses what is not a whole number of subscriptions', () => {
    expect(() => loadConfig({ SUBSCRIPTIONS_MAX: 'many' })).toThrow(ConfigError);
    expect(() => loadConfig({ SUBSCRIPTIONS_MAX: '-1' })).toThrow(ConfigError);
  });
});
