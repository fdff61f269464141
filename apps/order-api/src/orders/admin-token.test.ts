import { describe, expect, it } from 'vitest';
import { adminAuth } from './admin-token.ts';

describe('adminAuth', () => {
  const token = 't'.repeat(40);
  it('accepts only the configured bearer token', () => {
    expect(adminAuth(undefined, token)).toBe('none');
    expect(adminAuth(`Bearer ${token}`, token)).toBe('admin');
    expect(adminAuth(`bearer ${token}`, token)).toBe('admin');
    expect(adminAuth(`Bearer ${token}x`, token)).toBe('invalid');
    expect(adminAuth(`Basic ${token}`, token)).toBe('invalid');
    expect(adminAuth(`Bearer ${token}`, undefined)).toBe('invalid');
  });
});
