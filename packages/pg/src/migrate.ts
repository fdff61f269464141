import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { MigrationChanged, MigrationFailed, MigrationMisnamed } from './errors.ts';

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** Folder of `<version>_<name>.sql` files, applied in version order. */
  dir: string;
  /** Table recording applied versions; one per app so apps sharing a database never collide. */
  table: string;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
}

interface MigrationFile {
  version: number;
  file: string;
  sql: string;
  checksum: string;
}

const FILE_NAME = /^(\d+)_[a-z0-9_-]+\.sql$/i;
const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

async function readMigrations(dir: string): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql'));
  const out: MigrationFile[] = [];
  for (const file of files) {
    const match = FILE_NAME.exec(file);
    if (match === null) throw new MigrationMisnamed([file]);
    const sql = await readFile(join(dir, file), 'utf8');
    out.push({ version: Number(match[1]), file, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  out.sort((a, b) => a.version - b.version);
  for (let i = 1; i < out.length; i++) {
    if (out[i]!.version === out[i - 1]!.version) throw new MigrationMisnamed([`${out[i]!.file} (version used twice)`]);
  }
  return out;
}

/**
 * Applies the migrations of `dir` not yet recorded in `table`, each in its own transaction,
 * under a session advisory lock so replicas starting together apply each version once.
 * Refuses to run when an applied file has changed since (checksum).
 */
export async function migrate(pool: pg.Pool, options: MigrateOptions): Promise<MigrateResult> {
  if (!TABLE_NAME.test(options.table)) throw new TypeError(`migration table name ${options.table} is not a plain identifier`);
  const migrations = await readMigrations(options.dir);
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [`orderflow.migrate.${options.table}`]);
    try {
      await client.query(
        `create table if not exists ${options.table} (
           version integer primary key,
           name text not null,
           checksum text not null,
           applied_at timestamptz not null default now())`,
      );
      const { rows } = await client.query<{ version: number; checksum: string }>(`select version, checksum from ${options.table}`);
      const applied = new Map(rows.map((r) => [r.version, r.checksum]));
      const done: string[] = [];
      for (const m of migrations) {
        const checksum = applied.get(m.version);
        if (checksum !== undefined) {
          if (checksum !== m.checksum) throw new MigrationChanged([m.file]);
          continue;
        }
        try {
          await client.query('BEGIN');
          await client.query(m.sql);
          await client.query(`insert into ${options.table} (version, name, checksum) values ($1, $2, $3)`, [m.version, m.file, m.checksum]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw new MigrationFailed([m.file, (err as Error).message], { cause: err });
        }
        done.push(m.file);
      }
      return { applied: done, alreadyApplied: migrations.length - done.length };
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [`orderflow.migrate.${options.table}`]);
    }
  } finally {
    client.release();
  }
}
