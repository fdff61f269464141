/** Port a consumer serves /healthz, /readyz and /metrics on when the operator runs it. */
export const CONSUMER_PORT = 8080;

/** Liveness probe path: the process is up. */
export const LIVENESS_PATH = '/healthz';

/** Readiness probe path: the consumer is connected and consuming. */
export const READINESS_PATH = '/readyz';

/** Where the operator mounts Secret keys a consumer reads as files (`NAME_FILE`). */
export const SECRET_FILES_DIR = '/var/run/secrets/orderflow';

/** Name of the file, in its own directory, that holds a mounted Secret key's value. */
export const SECRET_FILE_NAME = 'value';

/** Directory a Secret key for variable `name` is mounted in (one per variable). */
export function secretFileDir(name: string): string {
  return `${SECRET_FILES_DIR}/${name.toLowerCase().replaceAll('_', '-')}`;
}

/**
 * Path of the file holding variable `name`'s value from a mounted Secret; the consumer is told
 * it as `<name>_FILE` (read by `@orderflow/config`).
 */
export function secretFilePath(name: string): string {
  return `${secretFileDir(name)}/${SECRET_FILE_NAME}`;
}

/** The variable that points a consumer at the file holding `name`'s value. */
export function fileVariable(name: string): string {
  return `${name}_FILE`;
}
