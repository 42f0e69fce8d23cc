// In-process invoke: Lucent's FunctionManager vs a direct await, @nestjs/cqrs and Moleculer; and zod validation overhead.
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CommandBus, CommandHandler, CqrsModule, type ICommandHandler } from '@nestjs/cqrs';
import { InvocationContext, defineFunction } from '@lucent/core';
import { healthFactor } from '@lucent/example-crypto-trading/dist/domain/risk/healthFactor.js';
import { sampleInputs } from '@lucent/example-crypto-trading/dist/domain/samples.js';
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

/** The work every side does: the same small computation. A Lucent function is pure, so it is synchronous. */
function notionalOf(input: Quote): Notional {
  return { notionalUsd: input.qty * input.priceUsd };
}

/** The same work as an async handler (what a direct `await` of a trivial async handler costs). */
async function notional(input: Quote): Promise<Notional> {
  return notionalOf(input);
}

const QuoteSchema = z.object({ qty: z.number().positive(), priceUsd: z.number().positive() });
const NotionalSchema = z.object({ notionalUsd: z.number() });
const input: Quote = { qty: 1.25, priceUsd: 3012.5 };

const notionalFunction = defineFunction(
  { name: 'bench.notional', version: '1.0.0', input: QuoteSchema, output: NotionalSchema },
  notionalOf,
);
const notionalAsyncFunction = defineFunction(
  { name: 'bench.notionalAsync', version: '1.0.0', input: QuoteSchema, output: NotionalSchema },
  notional,
);

class NotionalCommand {
  constructor(readonly quote: Quote) {}
}

@CommandHandler(NotionalCommand)
@Injectable()
class NotionalHandler implements ICommandHandler<NotionalCommand, Notional> {
  // ICommandHandler.execute must return a promise: the least a Nest handler can do is resolve one.
  execute(command: NotionalCommand): Promise<Notional> {
    return Promise.resolve(notionalOf(command.quote));
  }
}

@Module({ imports: [CqrsModule.forRoot()], providers: [NotionalHandler] })
class NotionalModule {}

async function inProcess(options: BenchOptions, out: BenchResult[]): Promise<void> {
  const lucent = new FunctionManager({ validate: false }).register(notionalFunction, notionalAsyncFunction);
  // Nest's usual way: the module is compiled by the DI container, the handler found by CqrsModule's explorer.
  const nest = await NestFactory.createApplicationContext(NotionalModule, { logger: false });
  await nest.init();
  const commandBus = nest.get(CommandBus);
  const broker = new Moleculer.ServiceBroker({ nodeID: 'bench-invoke', logger: false, transporter: null, metrics: false, tracing: false });
  broker.createService({ name: 'bench', actions: { notional: (ctx: Moleculer.Context<Quote>) => notionalOf(ctx.params) } });
  await broker.start();
  try {
    const rates = await compareOps(options, {
      lucent: () => lucent.invoke('bench.notional', input),
      'lucent-async-handler': () => lucent.invoke('bench.notionalAsync', input),
      direct: () => notional(input),
      'nestjs-cqrs': () => commandBus.execute(new NotionalCommand(input)),
      moleculer: () => broker.call('bench.notional', input),
    });
    out.push({
      case: 'invoke.inprocess',
      metric: 'ops_per_s',
      higherIsBetter: true,
      lucent: rates.lucent,
      baselines: {
        direct: rates.direct,
        'nestjs-cqrs': rates['nestjs-cqrs'],
        moleculer: rates.moleculer,
        'lucent-async-handler': rates['lucent-async-handler'],
      },
      floors: ['direct'],
      note:
        'one call in flight, the same computation (qty × price) behind each side, in each framework\'s own handler form: a pure ' +
        'synchronous Lucent function, a Nest ICommandHandler (which must return a promise), a Moleculer action returning the value; ' +
        'direct = await of the same work as an async function; lucent-async-handler = Lucent running it as an async handler ' +
        '(a deadline race per call, since an async handler could hang). Lucent FunctionManager.invoke with validation off ' +
        '(deadline, context and { output, events } result still built); @nestjs/cqrs CommandBus.execute from a Nest application context; ' +
        'Moleculer 0.14 local broker.call, logger off, no transporter.',
    });
  } finally {
    await broker.stop();
    await nest.close();
  }
}

async function validated(options: BenchOptions, out: BenchResult[]): Promise<void> {
  // The example's real risk.healthFactor: a contract with a collateral array, as services have.
  const hfInput = sampleInputs['risk.healthFactor'];
  const hfIn = healthFactor.input as unknown as z.ZodType;
  const hfOut = healthFactor.output as unknown as z.ZodType;
  const ctx = new InvocationContext({ now: 0 });
  const real = new FunctionManager({ validate: true }).register(healthFactor);
  const realRates = await compareOps(options, {
    lucent: () => real.invoke('risk.healthFactor', hfInput),
    // An async function, so both sides hand back a promise, as any invoke must.
    'zod-only': async () => hfOut.parse(await healthFactor.handler(hfIn.parse(hfInput) as never, ctx)),
  });
  out.push({
    case: 'invoke.validated',
    metric: 'ops_per_s',
    higherIsBetter: true,
    lucent: realRates.lucent,
    baselines: { 'zod-only': realRates['zod-only'] },
    floors: ['zod-only'],
    note:
      "the example's risk.healthFactor (a collateral array) with zod input and output validation vs the same two zod " +
      'parses by hand around the same handler; target: Lucent at least 1/1.2 of zod-only (overhead under 20%).',
  });
}

async function validatedTiny(options: BenchOptions, out: BenchResult[]): Promise<void> {
  const lucent = new FunctionManager({ validate: true }).register(notionalFunction);
  const rates = await compareOps(options, {
    lucent: () => lucent.invoke('bench.notional', input),
    // An async function, so both sides hand back a promise, as any invoke must.
    'zod-only': async () => NotionalSchema.parse(notionalOf(QuoteSchema.parse(input))),
  });
  out.push({
    case: 'invoke.validated.tiny',
    metric: 'ops_per_s',
    higherIsBetter: true,
    lucent: rates.lucent,
    baselines: { 'zod-only': rates['zod-only'] },
    floors: ['zod-only'],
    note:
      'Lucent with zod input and output validation vs the same two zod parses done by hand around the same pure function, in an async function; ' +
      "a two-number contract: zod's own work is so small here that Lucent's fixed cost per call shows in full.",
  });
}

export const invokeArea: BenchArea = {
  area: 'invoke',
  cases: ['invoke.inprocess'],
  async run(options) {
    const out: BenchResult[] = [];
    if (wants(options, 'invoke.inprocess')) await inProcess(options, out);
    return out;
  },
};

/** Its own area, so its own process: it starts from a JIT state the validation-off cases did not shape. */
export const invokeValidatedArea: BenchArea = {
  area: 'invoke-validated',
  cases: ['invoke.validated', 'invoke.validated.tiny'],
  async run(options) {
    const out: BenchResult[] = [];
    if (wants(options, 'invoke.validated')) await validated(options, out);
    if (wants(options, 'invoke.validated.tiny')) await validatedTiny(options, out);
    return out;
  },
};
