import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './index.ts';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON lines with service, level label and ISO time', () => {
    const out = capture();
    const log = createLogger('order-api', { destination: out.stream, base: { pod: 'p-1' } });
    log.info({ orderId: 'o-1' }, 'accepted');
    const [line] = out.lines();
    expect(line).toMatchObject({ service: 'order-api', pod: 'p-1', level: 'info', orderId: 'o-1', msg: 'accepted' });
    expect(typeof line?.time).toBe('string');
  });

  it('redacts credentials', () => {
    const out = capture();
    const log = createLogger('t', { destination: out.stream });
    log.info({ config: { DATABASE_URL: 'postgres://u:pw@h/db', password: 'pw' }, req: { headers: { authorization: 'Bearer x' } } }, 'boot');
    const text = JSON.stringify(out.lines()[0]);
    expect(text).not.toContain('pw@h');
    expect(text).not.toContain('Bearer x');
    expect(text).toContain('[redacted]');
  });

  it('honours the level', () => {
    const out = capture();
    const log = createLogger('t', { destination: out.stream, level: 'warn' });
    log.info('hidden');
    log.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
  });
});
