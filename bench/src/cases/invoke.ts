// In-process invoke: Lucent's FunctionManager vs a direct await, @nestjs/cqrs and Moleculer; and zod validation overhead.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import { defineFunction } from '@lucent/core';
import { FunctionManager } from '@lucent/runtime';
import Moleculer from 'moleculer';
import { z } from 'zod';
import { compareOps } from '../harness/alternate.js';
import type { BenchArea, BenchOptions, BenchResult } from '../harness/types.js';
import { wants } from '../harness/types.js';

interface Quote {
  readonly qty: number;
  readonly priceUsd: number;
}
interface Notional {
  readonly notionalUsd: number;
}

/** The work every side does: the same small async handler (what a pure function that awaits nothing costs). */
async function notional(input: Quote): Promise<Notional> {
  return { notionalUsd: input.qty * input.priceUsd };
}

const QuoteSchema = z.object({ qty: z.number().positive(), priceUsd: z.number().positive() });
const NotionalSchema = z.object({ notionalUsd: z.number() });
const input: Quote = { qty: 1.25, priceUsd: 3012.5 };

const notionalFunction = defineFunction(
  { name: 'bench.notional', version: '1.0.0', input: QuoteSchema, output: NotionalSchema },
  notional,
);

class NotionalCommand {
  constructor(readonly quote: Quote) {}
}

@CommandHandler(NotionalCommand)
@Injectable()
class NotionalHandler implements ICommandHandler<NotionalCommand, Notional> {
  execute(command: NotionalCommand): Promise<Notional> {
    return notional(command.quote);
  }
}

@Module({ imports: [CqrsModule.forRoot()], providers: [NotionalHandler] })
class NotionalModule {}

async function inProcess(options: BenchOptions, out: BenchResult[]): Promise<void> {
  const lucent = new FunctionManager({ validate: false }).register(notionalFunction);
  // Nest's usual way: the module is compiled by the DI container, the handler found by CqrsModule's explorer.
  const nest = await NestFactory.createApplicationContext(NotionalModule, { logger: false });
  await nest.init();
  const commandBus = nest.get(CommandBus);
  const broker = new Moleculer.ServiceBroker({ nodeID: 'bench-invoke', logger: false, transporter: null, metrics: false, tracing: false });
  broker.createService({ name: 'bench', actions: { notional: (ctx: Moleculer.Context<Quote>) => notional(ctx.params) } });
  await broker.start();
  try {
    const rates = await compareOps(options, {
      lucent: () => lucent.invoke('bench.notional', input),
      direct: () => notional(input),
      'nestjs-cqrs': () => commandBus.execute(new NotionalCommand(input)),
      moleculer: () => broker.call('bench.notional', input),
    });
    out.push({
      case: 'invoke.inprocess',
      metric: 'ops_per_s',
      higherIsBetter: true,
      lucent: rates.lucent,
      baselines: { direct: rates.direct, 'nestjs-cqrs': rates['nestjs-cqrs'], moleculer: rates.moleculer },
      floors: ['direct'],
      note:
        'one call in flight, the same async handler (qty × price) behind each side; Lucent FunctionManager.invoke with validation off ' +
        '(deadline, context and { output, events } result still built); @nestjs/cqrs CommandBus.execute from a Nest application context; ' +
        'Moleculer 0.14 local broker.call, logger off, no transporter.',
    });
  } finally {
    await broker.stop();
    await nest.close();
  }
}

async function validated(options: BenchOptions, out: BenchResult[]): Promise<void> {
  const lucent = new FunctionManager({ validate: true }).register(notionalFunction);
  const rates = await compareOps(options, {
    lucent: () => lucent.invoke('bench.notional', input),
    'zod-only': async () => NotionalSchema.parse(await notional(QuoteSchema.parse(input))),
  });
  out.push({
    case: 'invoke.validated',
    metric: 'ops_per_s',
    higherIsBetter: true,
    lucent: rates.lucent,
    baselines: { 'zod-only': rates['zod-only'] },
    floors: ['zod-only'],
    note:
      'Lucent with zod input and output validation vs the same two zod parses done by hand around a direct await; ' +
      'target: Lucent at least 1/1.2 of zod-only (overhead under 20%).',
  });
}

export const invokeArea: BenchArea = {
  area: 'invoke',
  cases: ['invoke.inprocess', 'invoke.validated'],
  async run(options) {
    const out: BenchResult[] = [];
    if (wants(options, 'invoke.inprocess')) await inProcess(options, out);
    if (wants(options, 'invoke.validated')) await validated(options, out);
    return out;
  },
};
