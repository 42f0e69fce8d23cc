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

  const issuesOf = (raw: unknown): { path: string; message: string }[] => {
    try {
      parseShardConfig(raw);
    } catch (e) {
      expect(e).toMatchObject({ code: 'VALIDATION_FAILED', where: 'config' });
      return [...(e as ValidationError).issues];
    }
    throw new Error('expected a ValidationError');
  };

  it('names the nested field that is wrong, with what to write there', () => {
    expect(issuesOf({ id: 'a', registry: { shadow: { sampleRate: 2, maxInFlight: 0.5 } } })).toEqual([
      { path: 'registry.shadow.sampleRate', message: 'a fraction from 0 to 1' },
      { path: 'registry.shadow.maxInFlight', message: 'a whole number of at least 1' },
    ]);
    expect(issuesOf({ id: 'a', bundles: { bucket: 'b' } })).toEqual([{ path: 'bundles.publicKeyFile', message: "the path of the publishers' public key (lucent keygen)" }]);
    expect(issuesOf({ id: 'a', capacity: { cpu: '4', memory: 4 } })).toEqual([{ path: 'capacity.cpu', message: '{ "cpu": number, "memory": number }' }]);
    expect(issuesOf({ id: 'a', chaos: { slowdownFactor: 'fast' } })).toEqual([{ path: 'chaos.slowdownFactor', message: 'a factor of at least 1 (5 = five times slower)' }]);
    expect(issuesOf({ id: 'a', chaosControl: 'yes' })).toEqual([{ path: 'chaosControl', message: 'true or false' }]);
    expect(issuesOf([])).toEqual([{ path: '', message: 'must be a JSON object' }]);
  });

  it('keeps every optional section it is given, and drops keys it does not know', () => {
    const config = parseShardConfig({
      id: 'whale-1',
      module: '../dist/shard.js',
      only: ['trade.open'],
      capacity: { cpu: 4, memory: 4 },
      chaos: { slowdownFactor: 5 },
      heavy: { registryModule: 'dist/registry.js', maxThreads: 2 },
      registry: { bucket: 'reg', shadow: { sampleRate: 0.5 } },
      bundles: { publicKeyFile: 'pub.pem' },
      comment: 'ignored',
    });
    expect(config).toMatchObject({
      module: '../dist/shard.js',
      only: ['trade.open'],
      capacity: { cpu: 4, memory: 4 },
      chaos: { slowdownFactor: 5 },
      heavy: { registryModule: 'dist/registry.js', maxThreads: 2 },
      registry: { bucket: 'reg', shadow: { sampleRate: 0.5 } },
      bundles: { publicKeyFile: 'pub.pem' },
    });
    expect(config).not.toHaveProperty('comment');
  });

  it('treats an override left undefined as not given', () => {
    expect(parseShardConfig({ id: 'a', nats: 'nats://b:1' }, { nats: undefined }).nats).toBe('nats://b:1');
  });
});
