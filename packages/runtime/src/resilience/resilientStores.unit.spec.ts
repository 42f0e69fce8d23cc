// The decorated stores keep every promise of their ports (the shared contract suites), and a store that stops answering trips its breaker.
import { describe, expect, it } from 'vitest';
import { LucentError } from '@lucent/core';
import { eventStoreContract } from '../eventStore/eventStoreContract.js';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { MemoryProjectionStore } from '../projections/memoryProjectionStore.js';
import { projectionStoreContract } from '../projections/projectionStoreContract.js';
import { Resilience } from './resilience.js';
import { resilientEventStore, resilientProjectionStore } from './resilientStores.js';

eventStoreContract('memory behind its resilience policy', () => Promise.resolve(resilientEventStore(new MemoryEventStore(), new Resilience())));
projectionStoreContract('memory behind its resilience policy', () => Promise.resolve(resilientProjectionStore(new MemoryProjectionStore(), new Resilience())));

describe('resilientProjectionStore', () => {
  it('a Redis that stops answering opens the redis circuit: queries fail fast UNAVAILABLE', async () => {
    const inner = new MemoryProjectionStore();
    let down = false;
    const flaky = Object.assign(Object.create(inner) as MemoryProjectionStore, {
      get: <V>(projection: string, key: string) =>
        down ? Promise.reject(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })) : inner.get<V>(projection, key),
    });
    const resilience = new Resilience({ dependencies: { redis: { retry: false, circuit: { consecutiveFailures: 2, failureRate: false } } } });
    const store = resilientProjectionStore(flaky, resilience);
    await expect(store.get('positions', 'p1')).resolves.toBeUndefined();
    down = true;
    for (let i = 0; i < 2; i++) await expect(store.get('positions', 'p1')).rejects.toMatchObject({ code: 'ECONNRESET' });
    const refused = await store.get('positions', 'p1').catch((e: LucentError) => e);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE', details: { dependency: 'redis', reason: 'circuit-open' } });
  });
});
