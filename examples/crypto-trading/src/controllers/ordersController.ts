// HTTP for orders: POST /orders places a limit order through trading.placeOrder, which the registry's routes place by its notional.
import { Body, Controller, Inject, Module, Res, type DynamicModule } from '@nestjs/common';
import type { InvocationResult } from '@lucent/core';
import { assertMayAccess, invokeOptionsFor, LucentCall, LucentRoute, type CallContext } from '@lucent/nestjs';
import type { Invoker } from '@lucent/runtime';
import { OrderInput, type AcceptedOrder } from '../domain/trading/placeOrder.js';

export const ORDERS_INVOKER = Symbol.for('lucent.example.OrdersInvoker');

/** The part of the HTTP reply this route touches (Fastify's reply has it). */
interface HeaderReply {
  header(name: string, value: string): unknown;
}

/** What POST /orders answers: the accepted order and the events it recorded. */
export type PlacedOrder = InvocationResult<AcceptedOrder>;

@Controller()
export class OrdersController {
  constructor(@Inject(ORDERS_INVOKER) private readonly invoker: Invoker) {}

  /**
   * Body `{ orderId, account, pair, side, quantity, limitPrice }`, the function's own contract. A
   * trader orders for their own account; `x-lucent-shard` names the shard that accepted it (a whale
   * order goes to the `whale` shard while the registry's `whales` route says so).
   */
  @LucentRoute('POST', 'orders', {
    summary: 'Place a limit order; its notional (quantity × limit price) decides which shard runs it',
    body: OrderInput,
    status: 201,
    refusals: { 422: 'The order breaks a trading rule (e.g. a pair that trades an asset against itself)' },
  })
  async place(@LucentCall() call: CallContext, @Body() body: OrderInput, @Res({ passthrough: true }) reply: HeaderReply): Promise<PlacedOrder> {
    assertMayAccess(call, body.account, `Account ${body.account}`);
    const result = await this.invoker.invoke(
      'trading.placeOrder',
      body,
      invokeOptionsFor(call, undefined, (where) => {
        reply.header('x-lucent-shard', where.shard);
        reply.header('x-lucent-version', where.version);
      }),
    );
    return result as PlacedOrder;
  }
}

/** Mount the orders endpoint on the service's invoker. */
@Module({})
export class OrdersModule {
  static forRoot(invoker: Invoker): DynamicModule {
    return { module: OrdersModule, controllers: [OrdersController], providers: [{ provide: ORDERS_INVOKER, useValue: invoker }] };
  }
}
