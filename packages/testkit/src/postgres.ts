import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { stackSetting } from './stack-env.ts';
import { uniqueName } from './wait-for.ts';

/** A database of its own for one test file or benchmark run. */
export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: stackSetting('DATABASE_URL') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates a fresh, empty database on the local PostgreSQL (the stack role has CREATEDB). */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = uniqueName(prefix).replace(/-/g, '_');
  await admin(`create database ${name}`);
  const url = new URL(stackSetting('DATABASE_URL'));
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      // An autovacuum worker (another role) may still be in the database after a bulk load;
      // FORCE cannot end it, so wait for it to finish.
      for (let attempt = 1; ; attempt++) {
        try {
          await admin(`drop database if exists ${name} with (force)`);
          return;
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (attempt >= 40 || (code !== '42501' && code !== '55006')) throw err;
          await sleep(250);
        }
      }
    },
  };
}
