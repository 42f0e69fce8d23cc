// JetStream's "stream not found" is told apart from other failures, so asking whether a bucket exists answers false for a missing one and still fails on a real error.
import { describe, expect, it } from 'vitest';
import { isStreamNotFound, streamExists } from './streamNotFound.js';

/** A connection whose stream lookup answers as the server would. */
const answering = (info: (name: string) => Promise<unknown>) => ({
  jetstreamManager: async () => ({ streams: { info } }),
});

describe('isStreamNotFound', () => {
  it('recognises API error 10059, and the bare message older clients give', () => {
    expect(isStreamNotFound({ api_error: { err_code: 10059, code: 404, description: 'stream not found' } })).toBe(true);
    expect(isStreamNotFound(new Error('stream not found'))).toBe(true);
  });

  it('does not mistake other failures, or nothing at all, for a missing stream', () => {
    expect(isStreamNotFound({ api_error: { err_code: 10039, description: 'jetstream not enabled for account' } })).toBe(false);
    expect(isStreamNotFound(new Error('TIMEOUT'))).toBe(false);
    expect(isStreamNotFound(null)).toBe(false);
    expect(isStreamNotFound(undefined)).toBe(false);
  });
});

describe('streamExists', () => {
  it('answers true for a stream the server describes and false for one it does not have', async () => {
    const known = new Set(['KV_lucent-registry']);
    const nc = answering(async (name) => {
      if (known.has(name)) return { config: { name } };
      throw Object.assign(new Error('stream not found'), { api_error: { err_code: 10059 } });
    });
    await expect(streamExists(nc, 'KV_lucent-registry')).resolves.toBe(true);
    await expect(streamExists(nc, 'KV_lucent-limits')).resolves.toBe(false);
  });

  it('passes on any other failure instead of answering false', async () => {
    const timeout = new Error('TIMEOUT');
    await expect(streamExists(answering(() => Promise.reject(timeout)), 'KV_lucent-registry')).rejects.toBe(timeout);
  });
});
