import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type pg from 'pg';
import { migrate } from './migrate.ts';

// The folder is read and checked before any connection is taken, so a pool that cannot
// connect shows that a bad folder fails first, with its own error code.
const unusedPool = {
  connect: () => Promise.reject(new Error('no database in unit tests')),
} as unknown as pg.Pool;

describe('migrate (folder checks)', () => {
  it('refuses a file not named <version>_<name>.sql', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    await writeFile(join(dir, 'orders.sql'), 'select 1');
    await expect(migrate(unusedPool, { dir, table: 'm' })).rejects.toMatchObject({ code: 'PG_ERR_MIGRATION_MISNAMED' });
  });

  it('refuses two files with the same version', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    await writeFile(join(dir, '0001_a.sql'), 'select 1');
    await writeFile(join(dir, '1_b.sql'), 'select 1');
    await expect(migrate(unusedPool, { dir, table: 'm' })).rejects.toThrow(/version used twice/);
  });

  it('refuses a table name that is not a plain identifier', async () => {
    await expect(migrate(unusedPool, { dir: '.', table: 'x; drop table orders' })).rejects.toThrow(/plain identifier/);
  });
});
