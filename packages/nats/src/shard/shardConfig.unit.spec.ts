// A shard's JSON config: defaults filled in, command-line overrides win, every bad field named at once.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@lucent/core';
import { parseShardConfig } from './shardConfig.js';

describe('parseShardConfig', () => {
  it('fills defaults for everything but the id', () => {
    expect(parseShardConfig({ id: 'aave-1' })).toEqual({
      id: 'aave-1',
      tags: [],
      nats: 'nats://127.0.0.1:4222',
      subjectPrefix: 'lucent',
      reportIntervalMs: 1_000,
      chaosControl: false,
    });
  });

  it('lets command-line overrides win over the file', () => {
    const c = parseShardConfig({ id: 'x', tags: ['aave'], nats: 'nats://a:1' }, { id: 'shard-2', tags: ['whale'] });
    expect(c).toMatchObject({ id: 'shard-2', tags: ['whale'], nats: 'nats://a:1' });
  });

  it('names every bad field in one ValidationError', () => {
    let error: unknown;
    try {
      parseShardConfig({ id: 'has space', tags: 'aave', nats: 'localhost', subjectPrefix: 'a.*', reportIntervalMs: 5, heavy: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['id', 'tags', 'nats', 'subjectPrefix', 'reportIntervalMs', 'heavy.registryModule']);
  });
});
