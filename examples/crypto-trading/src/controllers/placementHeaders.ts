// x-lucent-shard / x-lucent-version on a service route's answer: where its function calls ran and which versions answered, as a function route says for its one call.
import type { ServicePlacement } from '@lucent/runtime';

/** The part of the HTTP reply this touches (Fastify's reply has it). */
export interface HeaderReply {
  header(name: string, value: string): unknown;
}

/**
 * A `placed` listener for a service's request scope. A service route may run several functions (a
 * risk read runs two, a scan one per venue pair), so each header lists what its calls reported, once
 * each and in the order first seen: `x-lucent-shard: aave-1, general-1` and
 * `x-lucent-version: risk.healthFactor@1.1.0, risk.liquidationPrice@1.0.0` (a function route's
 * version header has no name: it ran one function, named in its path). Rewritten after each call,
 * so the reply carries them whenever it is sent.
 */
export function placementHeaders(reply: HeaderReply): (where: ServicePlacement) => void {
  const shards = new Set<string>();
  const versions = new Set<string>();
  return ({ shard, version, function: name }) => {
    shards.add(shard);
    versions.add(`${name}@${version}`);
    reply.header('x-lucent-shard', [...shards].join(', '));
    reply.header('x-lucent-version', [...versions].join(', '));
  };
}
