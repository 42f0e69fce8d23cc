// The context's shard view: a live getter is read once, and only when the function reads ctx.shard.
import { describe, expect, it } from 'vitest';
import { InvocationContext, type ShardInfo } from './functionContext.js';

describe('InvocationContext shard', () => {
  it('reads a live shard view once, on first use, and keeps that reading for the whole call', () => {
    let reads = 0;
    const view = (): ShardInfo => ({ id: 'a', load: 0.1 * ++reads, peers: ['b'] });
    const ctx = new InvocationContext({ now: 0, shard: view });
    expect(reads).toBe(0);
    expect(ctx.shard).toEqual({ id: 'a', load: 0.1, peers: ['b'] });
    expect(ctx.shard.load).toBe(0.1);
    expect(reads).toBe(1);
  });

  it('names the process "local" with no peers when the shell gives no shard', () => {
    expect(new InvocationContext({ now: 0 }).shard).toEqual({ id: 'local', load: 0, peers: [] });
  });
});
