import { createHash, timingSafeEqual } from 'node:crypto';

/** What an `Authorization` header says about the caller. */
export type AdminAuth = 'none' | 'admin' | 'invalid';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * Checks `Authorization: Bearer <token>` against the configured admin token in constant time
 * (both sides hashed to equal length first, so neither the content nor the length leaks). No
 * configured token means no caller is admin.
 */
export function adminAuth(header: string | undefined, adminToken: string | undefined): AdminAuth {
  if (header === undefined || header === '') return 'none';
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null || adminToken === undefined) return 'invalid';
  return timingSafeEqual(digest(match[1]!), digest(adminToken)) ? 'admin' : 'invalid';
}
