import pg from 'pg';
import { stackSetting, uniqueName } from '@orderflow/testkit';
import { afterAll, describe, expect, it } from 'vitest';

describe('PostgreSQL (real server)', () => {
  const pool = new pg.Pool({ connectionString: stackSetting('DATABASE_URL'), max: 4 });
  afterAll(() => pool.end());

  it('is PostgreSQL 15 with the orders database and a non-superuser role', async () => {
    const { rows } = await pool.query<{ version: string; db: string; superuser: string }>(
      "select current_setting('server_version') as version, current_database() as db, current_setting('is_superuser') as superuser",
    );
    expect(rows[0]?.version).toMatch(/^15\./);
    expect(rows[0]?.db).toBe('orders');
    expect(rows[0]?.superuser).toBe('off');
  });

  it('commits and rolls back transactions', async () => {
    const table = uniqueName('smoke').replace('-', '_');
    const client = await pool.connect();
    try {
      await client.query(`create table ${table} (id int primary key, note text)`);
      await client.query('begin');
      await client.query(`insert into ${table} values (1, 'kept')`);
      await client.query('commit');
      await client.query('begin');
      await client.query(`insert into ${table} values (2, 'dropped')`);
      await client.query('rollback');
      const { rows } = await client.query<{ id: number }>(`select id from ${table} order by id`);
      expect(rows.map((r) => r.id)).toEqual([1]);
      await expect(client.query(`insert into ${table} values (1, 'again')`)).rejects.toMatchObject({ code: '23505' });
    } finally {
      await client.query(`drop table if exists ${table}`);
      client.release();
    }
  });

  it('refuses a wrong password', async () => {
    const url = new URL(stackSetting('DATABASE_URL'));
    url.password = 'wrong';
    const client = new pg.Client({ connectionString: url.toString() });
    await expect(client.connect()).rejects.toMatchObject({ code: '28P01' });
  });
});
