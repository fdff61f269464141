import { describe, expect, it } from 'vitest';
import { loadOperatorConfig } from '../config.ts';
import { ExternalMetricsExposed } from '../errors.ts';
import { externalMetricsListenHost, isLoopback } from './listen-host.ts';

const config = (env: Record<string, string>) => loadOperatorConfig({ EXTERNAL_METRICS_PORT: '8443', ...env });

describe('externalMetricsListenHost', () => {
  it('binds loopback in the unauthenticated mode, even when HOST is every interface (the default)', () => {
    expect(config({ EXTERNAL_METRICS_CLIENT_AUTH: 'none' }).HOST).toBe('0.0.0.0');
    expect(externalMetricsListenHost(config({ EXTERNAL_METRICS_CLIENT_AUTH: 'none' }))).toBe('127.0.0.1');
    expect(externalMetricsListenHost(config({ EXTERNAL_METRICS_CLIENT_AUTH: 'none', EXTERNAL_METRICS_HOST: '::1' }))).toBe('::1');
  });

  it('refuses a non-loopback address without client certificates, with a coded error naming the fix', () => {
    for (const host of ['0.0.0.0', '10.0.0.5', '::', 'example.com']) {
      const err = (() => {
        try {
          return externalMetricsListenHost(config({ EXTERNAL_METRICS_CLIENT_AUTH: 'none', EXTERNAL_METRICS_HOST: host }));
        } catch (e) {
          return e;
        }
      })();
      expect(ExternalMetricsExposed.is(err), host).toBe(true);
      expect((err as Error).message).toContain(`EXTERNAL_METRICS_HOST=${host} is not a loopback address`);
    }
  });

  it('follows HOST (or EXTERNAL_METRICS_HOST) when clients must present the API server certificate', () => {
    expect(externalMetricsListenHost(config({}))).toBe('0.0.0.0');
    expect(externalMetricsListenHost(config({ EXTERNAL_METRICS_HOST: '10.0.0.5' }))).toBe('10.0.0.5');
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '128.0.0.1', '10.0.0.1'].some(isLoopback)).toBe(false);
  });
});
