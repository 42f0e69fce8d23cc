// LUCENT_REDIS_URL and LUCENT_REDIS_CLUSTER: one server, or a Redis Cluster from several seeds or the flag; bad values name the variable.
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@lucent/core';
import { parseRedisConnection, redisConnectionFromEnv } from './redisConnection.js';

const env = (vars: Record<string, string>): NodeJS.ProcessEnv => vars;

describe('Redis connection from the environment', () => {
  it('unset or empty LUCENT_REDIS_URL: no Redis', () => {
    expect(redisConnectionFromEnv(env({}))).toBeUndefined();
    expect(redisConnectionFromEnv(env({ LUCENT_REDIS_URL: ' ' }))).toBeUndefined();
  });

  it('one URL is one server', () => {
    expect(redisConnectionFromEnv(env({ LUCENT_REDIS_URL: 'redis://127.0.0.1:6379' }))).toEqual({ urls: ['redis://127.0.0.1:6379'], cluster: false });
    expect(redisConnectionFromEnv(env({ LUCENT_REDIS_URL: 'redis://127.0.0.1:6379/2', LUCENT_REDIS_CLUSTER: '0' }))).toEqual({ urls: ['redis://127.0.0.1:6379/2'], cluster: false });
  });

  it('several comma-separated URLs are the seed nodes of a Redis Cluster', () => {
    expect(redisConnectionFromEnv(env({ LUCENT_REDIS_URL: 'redis://10.77.0.1:7000, redis://10.77.0.1:7001,' }))).toEqual({
      urls: ['redis://10.77.0.1:7000', 'redis://10.77.0.1:7001'],
      cluster: true,
    });
  });

  it('one URL with LUCENT_REDIS_CLUSTER=1 is a cluster', () => {
    expect(redisConnectionFromEnv(env({ LUCENT_REDIS_URL: 'redis://10.77.0.1:7000', LUCENT_REDIS_CLUSTER: '1' }))).toEqual({ urls: ['redis://10.77.0.1:7000'], cluster: true });
    expect(redisConnectionFromEnv(env({ LUCENT_REDIS_URL: 'redis://10.77.0.1:7000', LUCENT_REDIS_CLUSTER: 'true' }))?.cluster).toBe(true);
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    ['a value that is not a URL', { LUCENT_REDIS_URL: 'localhost:6379' }, /LUCENT_REDIS_URL: "localhost:6379": the scheme must be redis:\/\/ or rediss:\/\//],
    ['a scheme other than redis', { LUCENT_REDIS_URL: 'http://127.0.0.1:6379' }, /LUCENT_REDIS_URL: "http:\/\/127.0.0.1:6379": the scheme must be redis:\/\//],
    ['text that does not parse', { LUCENT_REDIS_URL: 'redis://a:7000,::nope' }, /LUCENT_REDIS_URL: "::nope" is not a URL/],
    ['a port out of range', { LUCENT_REDIS_URL: 'redis://127.0.0.1:70000' }, /LUCENT_REDIS_URL: "redis:\/\/127.0.0.1:70000" is not a URL/],
    ['a database number on a cluster', { LUCENT_REDIS_URL: 'redis://a:7000/3', LUCENT_REDIS_CLUSTER: '1' }, /LUCENT_REDIS_URL: "redis:\/\/a:7000\/3": a Redis Cluster has only database 0/],
    ['a flag that is neither 1 nor 0', { LUCENT_REDIS_URL: 'redis://a:7000', LUCENT_REDIS_CLUSTER: 'maybe' }, /LUCENT_REDIS_CLUSTER: write 1 \(Redis Cluster\) or 0 \(one server\), not "maybe"/],
    ['several URLs with LUCENT_REDIS_CLUSTER=0', { LUCENT_REDIS_URL: 'redis://a:7000,redis://b:7001', LUCENT_REDIS_CLUSTER: '0' }, /LUCENT_REDIS_CLUSTER: is 0 but LUCENT_REDIS_URL lists 2 URLs/],
    ['LUCENT_REDIS_CLUSTER=1 without a URL', { LUCENT_REDIS_CLUSTER: '1' }, /LUCENT_REDIS_CLUSTER: is 1 but LUCENT_REDIS_URL is not set/],
    ['only commas', { LUCENT_REDIS_URL: ' , ' }, /LUCENT_REDIS_URL: give at least one redis:\/\/host:port URL/],
  ];
  for (const [what, vars, message] of refusals) {
    it(`refuses ${what} with a ValidationError naming the variable`, () => {
      let error: unknown;
      try {
        if (redisConnectionFromEnv(env(vars)) === undefined) parseRedisConnection(vars['LUCENT_REDIS_URL'] ?? '', vars['LUCENT_REDIS_CLUSTER']);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(/^Invalid config for LUCENT_REDIS_(URL|CLUSTER): /);
      expect((error as ValidationError).issues.map((i) => `${i.path}: ${i.message}`).join('\n')).toMatch(message);
    });
  }

  it('in code the errors name the option instead', () => {
    expect(() => parseRedisConnection('redis://a:1,redis://b:2', false, { url: 'url', cluster: 'cluster' })).toThrow(/cluster: is 0 but url lists 2 URLs/);
  });
});
