// Fuzz suite: malformed requests for every route in the service's OpenAPI document — no 5xx, no hang, nothing stored by a refusal.
// Replay one failing case: LUCENT_FUZZ_SEED=<seed> LUCENT_FUZZ_PATH=<path> npx vitest run examples/crypto-trading/src/fuzz.e2e.spec.ts -t '<METHOD> <path>'
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { malformedRequests, operationsOf, type FuzzRequest } from '../../../test/support/openApiFuzz.js';
import { createCryptoService } from './app.js';
import { configFromEnv } from './config.js';

const secret = 'fuzz-secret-that-is-long-enough-for-hs256';
const service = await createCryptoService(
  configFromEnv({
    LUCENT_DATA_DIR: ':memory:',
    LUCENT_PRICE_CRON: 'off',
    // Once a year: no cron firing writes events while a refusal is checked for writing none.
    LUCENT_YIELD_CRON: '0 0 0 1 1 *',
    LUCENT_AUTH_SECRET: secret,
  }),
  { logs: false },
);
afterAll(() => service.close());

/** A caller that may reach every route: its own data, price pushes and chain callbacks. */
const token = await new SignJWT({ roles: ['operator', 'chain'] })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('fuzzer')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(new TextEncoder().encode(secret));

const doc = (await service.app.inject({ method: 'GET', url: '/openapi.json' })).json() as Record<string, unknown>;
// The console's live stream answers a well-formed request with a response that never ends, which an
// injected request waits for; its refusals (400, 401) are asserted in packages/nestjs/src/console.
const streams = new Set(['GET /console/api/live']);
const operations = operationsOf(doc).filter((o) => !streams.has(`${o.method} ${o.path}`));

const seed = process.env['LUCENT_FUZZ_SEED'] === undefined ? 20261204 : Number(process.env['LUCENT_FUZZ_SEED']);
const replayPath = process.env['LUCENT_FUZZ_PATH'];
const slowMs = 2_000;

let head = 0;

/** Wait until no event has been appended for a moment (a 2xx may start work that writes shortly after). */
async function settle(): Promise<void> {
  for (let quiet = 0, rounds = 0; quiet < 2 && rounds < 50; rounds++) {
    const fresh = await service.infrastructure.events.readAll({ after: head, maxCount: 1_000 });
    if (fresh.length === 0) quiet++;
    else head = fresh[fresh.length - 1]!.globalPosition;
    await new Promise((r) => setTimeout(r, 10));
  }
}

// What the service wrote while starting (the registry's audit of its compiled-in versions) is not the fuzzer's doing.
await settle();

async function send(request: FuzzRequest): Promise<void> {
  const started = performance.now();
  const res = await service.app.inject({ method: request.method, url: request.url, headers: request.headers, payload: request.payload });
  const ms = performance.now() - started;
  const what = `${request.method} ${request.url} (${request.mutation}) → ${res.statusCode} ${res.body.slice(0, 300)}`;
  expect(res.statusCode, what).toBeLessThan(500);
  expect(ms, `${what} took ${ms.toFixed(0)} ms`).toBeLessThan(slowMs);
  if (res.statusCode >= 400) expect(typeof (res.json() as { code?: unknown }).code, `${what}: a typed error body`).toBe('string');
  // A refusal writes nothing, and neither does a read or a function call (functions return events,
  // they do not store them); an accepted command may start work that writes shortly after.
  if (res.statusCode >= 400 || request.method === 'GET' || request.url.startsWith('/functions/')) {
    const written = await service.infrastructure.events.readAll({ after: head, maxCount: 5 });
    expect(written.map((e) => `${e.stream} ${e.type}`), `${what} wrote events`).toEqual([]);
  } else {
    await settle();
  }
}

describe('every route of the OpenAPI document, malformed requests', () => {
  it('covers every route the service serves', () => {
    expect(operations.length).toBeGreaterThan(20);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(expect.arrayContaining(['POST /positions', 'POST /deposits', 'GET /prices/{asset}']));
  });

  it.each(operations.map((o) => [`${o.method} ${o.path}`, o] as const))('%s', async (_name, op) => {
    // At least 1,000 malformed requests per write route and 300 per read route.
    const numRuns = op.method === 'GET' ? 300 : 1_000;
    await fc.assert(
      fc.asyncProperty(malformedRequests(doc, op, token), (request) => send(request)),
      { numRuns, seed, endOnFailure: true, ...(replayPath === undefined ? {} : { path: replayPath }) },
    );
  }, 180_000);
});

describe('the requests a tester reported', () => {
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const cases: [string, string, string | undefined][] = [
    ['GET', '/prices/%00', undefined],
    ['GET', '/deposits/a%00b', undefined],
    ['POST', '/positions', '{"positionId":"\\u0000","pair":"ETH-USD"}'],
    ['POST', '/positions/p1/deposit', '{"x":"\\ud800"}'],
    ['POST', '/positions/p1/borrow', '{"x":"\\ud800"}'],
    ['POST', '/positions/p1/repay', '{"x":"\\ud800"}'],
    ['POST', '/positions/p1/deposit', `{"amount":2,"priceUsd":3000,"note":"${'x'.repeat(900_000)}"}`],
    ['POST', '/positions/p1/deposit', `{"amount":2,"priceUsd":3000,"extra":${'['.repeat(10_000)}${']'.repeat(10_000)}}`],
    ['POST', '/functions/risk.liquidationPrice', '{"asset":"ETH","amount":5e-324,"priceUsd":3000,"liquidationThreshold":0.825,"debtUsd":15000}'],
  ];

  it.each(cases)('%s %s answers 4xx and stores nothing', async (method, url, payload) => {
    await settle();
    const res = await service.app.inject({ method: method as 'GET' | 'POST', url, headers: auth, payload });
    expect(res.statusCode, res.body.slice(0, 300)).toBeGreaterThanOrEqual(400);
    expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
    expect(await service.infrastructure.events.readAll({ after: head, maxCount: 5 })).toEqual([]);
  });
});
