import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('WEB_CONCURRENCY', () => {
  it('defaults to one process', () => {
    expect(loadConfig({}).webConcurrency).toBe(1);
    expect(loadConfig({ WEB_CONCURRENCY: ' ' }).webConcurrency).toBe(1);
  });

  it('reads a number of workers', () => {
    expect(loadConfig({ WEB_CONCURRENCY: '4' }).webConcurrency).toBe(4);
  });

  it.each(['0', '-1', '65', '1.5', 'two', 'auto'])('refuses %s with a message naming the variable and its range', (value) => {
    expect(() => loadConfig({ WEB_CONCURRENCY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ WEB_CONCURRENCY: value })).toThrow('WEB_CONCURRENCY must be an integer between 1 and 64');
  });
});

describe('DB_POOL_SIZE', () => {
  it('defaults to 10 connections', () => {
    expect(loadConfig({}).dbPoolSize).toBe(10);
  });

  it('reads the pool size wanted', () => {
    expect(loadConfig({ DB_POOL_SIZE: '25' }).dbPoolSize).toBe(25);
  });

  it.each(['0', '1001', 'many'])('refuses %s', (value) => {
    expect(() => loadConfig({ DB_POOL_SIZE: value })).toThrow('DB_POOL_SIZE must be an integer between 1 and 1000');
  });
});
