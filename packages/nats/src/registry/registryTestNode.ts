// A node process for the registry's multi-process tests and the propagation benchmark: a FunctionManager following a KV bucket.
import { connect, JSONCodec } from 'nats';
import { z } from 'zod';
import { defineFunction, LucentError } from '@lucent/core';
import { FunctionManager, RegistryWatcher } from '@lucent/runtime';
import { KvRegistryStore } from './kvRegistryStore.js';
import { testFunctionName, type InvokeReply, type InvokeRequest, type NodeReport } from './registryTestProtocol.js';

/** Two versions of one function with the same contracts; each answer says which version produced it. */
const contract = { input: z.object({ x: z.number() }), output: z.object({ y: z.number(), by: z.string() }) };
const v1 = defineFunction({ name: testFunctionName, version: '1.0.0', ...contract }, ({ x }) => ({ y: x + 1, by: '1.0.0' }));
const v2 = defineFunction({ name: testFunctionName, version: '2.0.0', ...contract }, ({ x }) => ({ y: x + 1, by: '2.0.0' }));

async function main(): Promise<void> {
  const env = process.env;
  const node = env['NODE_ID'] ?? 'node';
  const prefix = env['SUBJECT_PREFIX'] ?? 'registry-test';
  const bucket = env['BUCKET'];
  // No default bucket: a test node must never follow (or create) a real system's registry by accident.
  if (bucket === undefined || bucket === '') throw new Error('BUCKET is required');
  const nc = await connect({ servers: env['NATS_URL'] ?? '127.0.0.1:4222' });
  const store = await KvRegistryStore.open({ connection: nc, bucket });
  const manager = new FunctionManager({ idPrefix: `${node}-` }).register(v1, v2);
  const executed = new Map<string, number>();
  const say = (r: NodeReport): void => void process.stdout.write(`${JSON.stringify(r)}\n`);
  const watcher = new RegistryWatcher({
    store,
    manager,
    onApplied: (c) => say({ kind: 'applied', node, name: c.name, revision: c.revision, at: performance.timeOrigin + performance.now() }),
  });
  const jc = JSONCodec();
  nc.subscribe(`${prefix}.${node}.invoke`, {
    callback: (_err, msg) => {
      const req = jc.decode(msg.data) as InvokeRequest;
      const business = {
        ...(req.userId === undefined ? {} : { userId: req.userId }),
        ...(req.jurisdiction === undefined ? {} : { jurisdiction: req.jurisdiction }),
      };
      manager.invoke(testFunctionName, { x: req.x }, { business }).then(
        (r) => {
          const by = (r.output as { by: string }).by;
          executed.set(by, (executed.get(by) ?? 0) + 1);
          msg.respond(jc.encode({ by } satisfies InvokeReply));
        },
        (error: unknown) => msg.respond(jc.encode({ error: error instanceof LucentError ? error.code : String(error) } satisfies InvokeReply)),
      );
    },
  });
  // Which of `count` keys (user-0 …) this node would send to `version`: computed through the real invoke path.
  nc.subscribe(`${prefix}.${node}.sticky`, {
    callback: (_err, msg) => {
      const { count, version } = jc.decode(msg.data) as { count: number; version: string };
      void (async () => {
        const keys: number[] = [];
        for (let i = 0; i < count; i++) {
          const r = await manager.invoke(testFunctionName, { x: i }, { business: { userId: `user-${i}` } });
          if ((r.output as { by: string }).by === version) keys.push(i);
        }
        msg.respond(jc.encode({ keys }));
      })();
    },
  });
  nc.subscribe(`${prefix}.${node}.executed`, {
    callback: (_err, msg) => msg.respond(jc.encode(Object.fromEntries(executed))),
  });
  await nc.flush();
  await watcher.start();
  say({ kind: 'ready', node, revision: watcher.revision });
  const shutdown = (): void => {
    void watcher
      .stop()
      .then(() => nc.close())
      .finally(() => process.exit(0));
  };
  process.on('SIGTERM', shutdown);
  process.stdin.on('end', shutdown);
  process.stdin.resume();
}

void main().catch((error: unknown) => {
  process.stderr.write(`registry test node failed: ${String(error)}\n`);
  process.exit(1);
});
