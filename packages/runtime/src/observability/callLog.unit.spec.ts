// ctx.log: every line a function writes carries its call's correlation id (and trace and span ids from a traceparent), bound only when it logs.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineFunction, silentLogger, type LogFields, type Logger } from '@lucent/core';
import { FunctionManager } from '../functionManager/functionManager.js';
import { pinoLogger } from './logger.js';

const chatty = defineFunction(
  { name: 'log.chatty', version: '1.0.0', input: z.object({ n: z.number() }), output: z.string() },
  ({ n }, ctx) => {
    ctx.log.info('computing', { n });
    ctx.log.warn('still computing');
    return ctx.execution.correlationId;
  },
);
const quiet = defineFunction({ name: 'log.quiet', version: '1.0.0', input: z.object({ n: z.number() }), output: z.number() }, ({ n }) => n + 1);

function captured(): { readonly lines: Record<string, unknown>[]; readonly logger: Logger } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: pinoLogger(pino({ level: 'debug' }, sink)) };
}

describe('ctx.log', () => {
  it('stamps each line with the correlation id, causation id and the trace and span ids of the traceparent', async () => {
    const { lines, logger } = captured();
    const manager = new FunctionManager({ logger }).register(chatty);
    await manager.invoke('log.chatty', { n: 2 }, {
      correlationId: 'corr-42',
      causationId: 'cmd-7',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'computing',
      n: 2,
      correlationId: 'corr-42',
      causationId: 'cmd-7',
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
    });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'still computing', correlationId: 'corr-42', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' });
  });

  it('uses the id the manager generates for a call that came without one, and no trace ids without a traceparent', async () => {
    const { lines, logger } = captured();
    const manager = new FunctionManager({ logger, idPrefix: 'test-' }).register(chatty);
    const { output } = await manager.invoke('log.chatty', { n: 1 });
    expect(output).toMatch(/^test-/);
    expect(lines[0]).toMatchObject({ msg: 'computing', correlationId: output });
    expect(lines[0]).not.toHaveProperty('traceId');
    // A malformed traceparent is ignored, as the W3C spec asks.
    await manager.invoke('log.chatty', { n: 1 }, { correlationId: 'c2', traceparent: 'not-a-trace' });
    expect(lines[2]).toMatchObject({ correlationId: 'c2' });
    expect(lines[2]).not.toHaveProperty('traceId');
  });

  it('binds nothing for a call that never logs', async () => {
    let children = 0;
    const counting: Logger = {
      ...silentLogger,
      child: (_fields: LogFields) => {
        children++;
        return silentLogger;
      },
    };
    const manager = new FunctionManager({ logger: counting }).register(quiet, chatty);
    for (let i = 0; i < 100; i++) await manager.invoke('log.quiet', { n: i });
    expect(children).toBe(0);
    await manager.invoke('log.chatty', { n: 1 });
    // One child per call that logs, however many lines it writes.
    expect(children).toBe(1);
  });
});
