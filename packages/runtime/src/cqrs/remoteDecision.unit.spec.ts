// A decider whose decision runs on a shard (through a ClusterClient): the record names the version the shard ran, and replays the same.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { decisionFunction, functionMap, type Decider, type DomainEvent } from '@lucent/core';
import { ClusterClient } from '../cluster/clusterClient.js';
import { Shard } from '../cluster/shard.js';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { FunctionManager } from '../functionManager/functionManager.js';
import { InProcessTransport } from '../transport/inProcessTransport.js';
import { DeciderCommandHandler } from './deciderCommandHandler.js';
import { decisionRecordOf } from './decisionRecord.js';
import { replayStream } from './replay.js';

type Cmd = { id: string; amount: number };
type Ev = DomainEvent<'Filled', { amount: number; at: number; ticket: string }>;
const fills: Decider<Cmd, Ev, number> = {
  initialState: () => 0,
  evolve: (s, e) => s + e.data.amount,
  decide: (c, _s, ctx) => [{ type: 'Filled', data: { amount: c.amount, at: ctx.now(), ticket: ctx.newId() } }],
};
const decide = decisionFunction({ name: 'fills.decide', version: '3.1.0', command: z.object({ id: z.string(), amount: z.number() }) }, fills);

describe('DeciderCommandHandler over a remote Invoker', () => {
  it('records the version the shard ran and the clock reading it saw, and replays locally to the same events', async () => {
    const transport = new InProcessTransport();
    const shard = new Shard({ id: 's1', transport, reportIntervalMs: 100, functions: new FunctionManager().register(decide) });
    await shard.start();
    const client = new ClusterClient({ transport, functions: functionMap(decide) });
    try {
      await client.ready(1, 2_000);
      const store = new MemoryEventStore();
      let t = 1_700_000_000_000;
      const handler = new DeciderCommandHandler({
        store,
        functions: client,
        decider: fills,
        decision: 'fills.decide',
        streamOf: (c: Cmd) => `fill-${c.id}`,
        clock: () => (t += 1_000),
      });
      await handler.handle({ id: 'f1', amount: 2 });
      const [event] = await store.readStream('fill-f1');
      expect(decisionRecordOf(event!.metadata)).toMatchObject({ function: 'fills.decide', version: '3.1.0', now: 1_700_000_001_000 });
      expect(event!.data).toMatchObject({ at: 1_700_000_001_000 });
      const replay = await replayStream(store, new FunctionManager().register(decide), fills, 'fill-f1');
      expect(replay.batches.map((b) => b.status)).toEqual(['same']);
    } finally {
      await shard.stop(100);
      await client.close();
      await transport.close();
    }
  });
});
