import { describe, expect, it } from 'vitest';
import { classifyItem } from './bulk-writer.ts';

describe('classifyItem', () => {
  it('counts a 409 on create as a duplicate and retries what OpenSearch cannot take now', () => {
    expect(classifyItem('create', { status: 201 })).toEqual({ kind: 'ok' });
    expect(classifyItem('create', { status: 409 })).toEqual({ kind: 'duplicate' });
    expect(classifyItem('update', { status: 409 })).toBe('retry');
    expect(classifyItem('create', { status: 429 })).toBe('retry');
    expect(classifyItem('create', { status: 503 })).toBe('retry');
  });

  it('rejects a document with a mapping violation for good, with the reason', () => {
    const outcome = classifyItem('create', {
      status: 400,
      error: { type: 'document_parsing_exception', reason: "failed to parse field [totalMinor] of type [long]", caused_by: { type: 'illegal_argument_exception', reason: 'For input string: "a lot"' } },
    });
    expect(outcome).toEqual({ kind: 'rejected', type: 'document_parsing_exception', reason: 'failed to parse field [totalMinor] of type [long]; illegal_argument_exception: For input string: "a lot"' });
  });
});
