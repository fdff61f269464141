import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, Type, env, loadConfig } from './index.ts';

const schema = Type.Object({
  PORT: env.port(8080),
  DATABASE_URL: env.url(['postgres', 'postgresql']),
  DB_PASSWORD: env.secret(),
  PREFETCH: env.int({ default: 50, minimum: 1, maximum: 10_000 }),
  TRACING: env.bool(false),
  LOG_LEVEL: env.oneOf(['debug', 'info', 'warn', 'error'] as const, 'info'),
  OTLP_ENDPOINT: env.optional(env.url(['http', 'https'])),
});

describe('loadConfig', () => {
  it('converts, defaults and freezes', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgres://u@127.0.0.1/orders',
      DB_PASSWORD: 's3cret',
      PREFETCH: '200',
      TRACING: 'true',
    });
    expect(config).toEqual({
      PORT: 8080,
      DATABASE_URL: 'postgres://u@127.0.0.1/orders',
      DB_PASSWORD: 's3cret',
      PREFETCH: 200,
      TRACING: true,
      LOG_LEVEL: 'info',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names every bad variable and hides secrets', () => {
    let caught: unknown;
    try {
      loadConfig(schema, { PORT: 'eighty', DATABASE_URL: 'mysql://x', PREFETCH: '0', DB_PASSWORD: '' , LOG_LEVEL: 'loud'});
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect(message).toMatch(/PORT: .*"eighty"/);
    expect(message).toMatch(/DATABASE_URL: .*"mysql:\/\/x"/);
    expect(message).toMatch(/PREFETCH: .*"0"/);
    expect(message).toMatch(/DB_PASSWORD: is required but not set/);
    expect(message).toMatch(/LOG_LEVEL: expected one of debug, info, warn, error, got "loud"/);
  });

  it('reads NAME_FILE for mounted secrets, and never prints a bad secret', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-test-'));
    const file = join(dir, 'password');
    writeFileSync(file, 'from-a-secret\n');
    const config = loadConfig(schema, { DATABASE_URL: 'postgres://h/db', DB_PASSWORD_FILE: file });
    expect(config.DB_PASSWORD).toBe('from-a-secret');

    const strict = Type.Object({ TOKEN: env.secret({ minLength: 32 }) });
    expect(() => loadConfig(strict, { TOKEN: 'short-and-secret' })).toThrow(/TOKEN: .*\(hidden\)/);
    expect(() => loadConfig(strict, { TOKEN: 'short-and-secret' })).not.toThrow(/short-and-secret/);
    expect(() => loadConfig(strict, { TOKEN_FILE: join(dir, 'missing') })).toThrow(/TOKEN_FILE: cannot read/);
  });
});
