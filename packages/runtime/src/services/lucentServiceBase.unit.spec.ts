// LucentServiceBase: business context and ids reach the function, failures are logged with their code, events carry ids, scopes stay apart.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, functionMap, RuleViolationError, type Logger } from '@lucent/core';
import { MemoryEventStore } from '../eventStore/memoryEventStore.js';
import { FunctionManager } from '../functionManager/functionManager.js';
import { LucentServiceBase, ServiceDirectory, type ServiceCallOptions, type ServiceDependencies } from './lucentServiceBase.js';

const whoAmI = defineFunction(
  { name: 'test.whoAmI', version: '1.0.0', input: z.object({ delayMs: z.number() }), output: z.object({ userId: z.string().nullable(), jurisdiction: z.string().nullable(), correlationId: z.string(), causationId: z.string().nullable() }) },
  async ({ delayMs }, ctx) => {
    // Interleave concurrent calls: a scope kept on the shared instance would be overwritten meanwhile.
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    return { userId: ctx.business.userId ?? null, jurisdiction: ctx.business.jurisdiction ?? null, correlationId: ctx.execution.correlationId, causationId: ctx.execution.causationId ?? null };
  },
);
const refuse = defineFunction(
  { name: 'test.refuse', version: '1.0.0', input: z.object({ amount: z.number() }), output: z.object({ ok: z.boolean() }) },
  ({ amount }) => {
    throw new RuleViolationError('amount.tooLarge', `${amount} is above the limit`);
  },
);
const registry = functionMap(whoAmI, refuse);
type Registry = typeof registry;

interface Line { level: string; message: string; fields: Record<string, unknown> }
function recordingLogger(lines: Line[], bound: Record<string, unknown> = {}): Logger {
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, fields: { ...bound, ...fields } });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), child: (more) => recordingLogger(lines, { ...bound, ...more }) };
}

class Identity extends LucentServiceBase<Registry> {
  constructor(deps: ServiceDependencies) {
    super(deps, 'identity');
  }
  async who(delayMs = 0) {
    return (await this.call('test.whoAmI', { delayMs })).output;
  }
  callWith(options: ServiceCallOptions) {
    return this.call('test.whoAmI', { delayMs: 0 }, options);
  }
  async tooMuch(amount: number) {
    return this.call('test.refuse', { amount });
  }
  record(stream: string) {
    return this.publish(stream, [{ type: 'Checked', data: { by: this.business.userId ?? null } }, { type: 'Noted', data: {}, metadata: { note: 'kept' } }]);
  }
}

class Front extends LucentServiceBase<Registry, { identity: Identity }> {
  constructor(deps: ServiceDependencies<{ identity: Identity }>) {
    super(deps, 'front');
  }
  whoThroughIdentity() {
    return this.service('identity').who();
  }
}

function setup() {
  const invoker = new FunctionManager().register(registry);
  const lines: Line[] = [];
  const events = new MemoryEventStore();
  const identity = new Identity({ invoker, logger: recordingLogger(lines), events });
  return { invoker, lines, events, identity };
}

describe('LucentServiceBase', () => {
  it("passes the view's business context, correlation and causation ids to the function", async () => {
    const { identity } = setup();
    const scoped = identity.inScope({ business: { userId: 'alice', jurisdiction: 'DE' }, correlationId: 'corr-1', causationId: 'req-9' });
    expect(await scoped.who()).toEqual({ userId: 'alice', jurisdiction: 'DE', correlationId: 'corr-1', causationId: 'req-9' });
    // The shared instance stays unscoped.
    expect(await identity.who()).toMatchObject({ userId: null, jurisdiction: null });
  });

  it('withBusiness adds to the scope and keeps its correlation id; on the shared instance it starts a new one', async () => {
    const { identity } = setup();
    const first = identity.withBusiness({ userId: 'bob' });
    const second = identity.withBusiness({ userId: 'bob' });
    const a = await first.who();
    expect(a.userId).toBe('bob');
    expect(a.correlationId).not.toBe((await second.who()).correlationId);
    const narrowed = await first.withBusiness({ jurisdiction: 'FR' }).who();
    expect(narrowed).toMatchObject({ userId: 'bob', jurisdiction: 'FR', correlationId: a.correlationId });
  });

  it('keeps concurrent scopes apart', async () => {
    const { identity } = setup();
    const users = Array.from({ length: 50 }, (_, i) => `user-${i}`);
    const answers = await Promise.all(users.map((userId, i) => identity.withBusiness({ userId }).who((i * 7) % 11)));
    expect(answers.map((a) => a.userId)).toEqual(users);
    expect(new Set(answers.map((a) => a.correlationId)).size).toBe(users.length);
  });

  it('a view refuses request state written on it rather than sharing it', () => {
    const { identity } = setup();
    const view = identity.withBusiness({ userId: 'carol' }) as unknown as Record<string, unknown>;
    expect(() => {
      view['lastUser'] = 'carol';
    }).toThrow(TypeError);
    expect((identity as unknown as Record<string, unknown>)['lastUser']).toBeUndefined();
  });

  it('logs a failed call with its code, the service and business fields, and rethrows the typed error', async () => {
    const { identity, lines } = setup();
    const scoped = identity.inScope({ business: { userId: 'dave', accountId: 'acc-1' }, correlationId: 'corr-2' });
    await expect(scoped.tooMuch(5)).rejects.toMatchObject({ code: 'RULE_VIOLATED' });
    expect(lines).toContainEqual({
      level: 'warn',
      message: 'function call failed',
      fields: expect.objectContaining({ service: 'identity', function: 'test.refuse', code: 'RULE_VIOLATED', userId: 'dave', accountId: 'acc-1', correlationId: 'corr-2' }) as unknown,
    });
  });

  it("publishes events stamped with the view's correlation and causation ids and business fields", async () => {
    const { identity, events } = setup();
    await identity.inScope({ business: { userId: 'erin', jurisdiction: 'US' }, correlationId: 'corr-3', causationId: 'cmd-3' }).record('checks-1');
    const stored = await events.readStream('checks-1');
    expect(stored.map((e) => e.type)).toEqual(['Checked', 'Noted']);
    expect(stored[0]?.data).toEqual({ by: 'erin' });
    for (const e of stored) expect(e.metadata).toMatchObject({ correlationId: 'corr-3', causationId: 'cmd-3', userId: 'erin', jurisdiction: 'US', service: 'identity' });
    expect(stored[1]?.metadata).toMatchObject({ note: 'kept' });
  });

  it('publishes from the shared instance with fresh ids, causation the correlation itself', async () => {
    const { identity, events } = setup();
    await identity.record('checks-2');
    const [first] = await events.readStream('checks-2');
    expect(first?.metadata['correlationId']).toEqual(expect.any(String));
    expect(first?.metadata['causationId']).toBe(first?.metadata['correlationId']);
  });

  it('refuses to publish without an event store, naming the fix', async () => {
    const identity = new Identity({ invoker: new FunctionManager().register(registry) });
    await expect(identity.record('x')).rejects.toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('events') as unknown });
  });

  it('reaches another service through the directory in the same scope', async () => {
    const { invoker, identity } = setup();
    const directory = new ServiceDirectory<{ identity: Identity }>();
    const front = new Front({ invoker, services: directory });
    directory.add('identity', identity);
    const answer = await front.inScope({ business: { userId: 'frank' }, correlationId: 'corr-4' }).whoThroughIdentity();
    expect(answer).toMatchObject({ userId: 'frank', correlationId: 'corr-4' });
    expect(() => directory.add('identity', identity)).toThrow(/already/);
  });

  it("tells the scope's placed listener where each successful call ran, services it requests included, beside the call's own listener", async () => {
    const { invoker, identity } = setup();
    const directory = new ServiceDirectory<{ identity: Identity }>();
    const front = new Front({ invoker, services: directory });
    directory.add('identity', identity);
    const heard: unknown[] = [];
    await front.inScope({ placed: (where) => heard.push(where) }).whoThroughIdentity();
    const scoped = identity.inScope({ placed: (where) => heard.push(where) });
    await expect(scoped.tooMuch(5)).rejects.toMatchObject({ code: 'RULE_VIOLATED' });
    expect(heard).toEqual([{ shard: 'local', version: '1.0.0', function: 'test.whoAmI' }]);
    // A per-call listener still hears its call (it gets no function name: the caller named the function).
    const perCall: unknown[] = [];
    await scoped.withBusiness({ userId: 'gina' }).callWith({ placed: (where) => perCall.push(where) });
    expect(perCall).toEqual([{ shard: 'local', version: '1.0.0' }]);
    expect(heard).toHaveLength(2);
  });

  it('names a service missing from the directory', async () => {
    const { invoker } = setup();
    const front = new Front({ invoker, services: new ServiceDirectory<{ identity: Identity }>() });
    expect(() => front.whoThroughIdentity()).toThrow(/No service identity/);
  });
});
