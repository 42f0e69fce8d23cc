// The demo's HTTP side: signed tokens per user, one request helper, and the tally the last line prints.
import { createHmac } from 'node:crypto';

export const demoSecret = 'lucent-demo-secret-of-at-least-32-characters';

export interface Tally {
  calls: number;
  failed: number;
  readonly byShard: Record<string, number>;
  readonly byVersion: Record<string, number>;
}

export interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly shard?: string;
  readonly version?: string;
}

export interface Caller {
  readonly sub: string;
  readonly jurisdiction?: string;
  readonly roles?: readonly string[];
}

const tokens = new Map<string, string>();
const base64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url');

/** An HS256 JWT for this caller (cached), valid for an hour: sub, jurisdiction, roles. */
export function tokenFor(caller: Caller): string {
  const id = `${caller.sub}|${caller.jurisdiction ?? ''}|${(caller.roles ?? []).join(',')}`;
  let token = tokens.get(id);
  if (token === undefined) {
    const now = Math.floor(Date.now() / 1000);
    const claims = { sub: caller.sub, ...(caller.jurisdiction === undefined ? {} : { jurisdiction: caller.jurisdiction }), roles: [...(caller.roles ?? [])], iat: now, exp: now + 3_600 };
    const unsigned = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
    token = `${unsigned}.${base64url(createHmac('sha256', demoSecret).update(unsigned).digest())}`;
    tokens.set(id, token);
  }
  return token;
}

export class DemoHttp {
  readonly tally: Tally = { calls: 0, failed: 0, byShard: {}, byVersion: {} };

  constructor(private readonly baseUrl: string) {}

  /**
   * One request as `caller`. Counted as failed when the answer is not one of `expect` (default: any
   * 2xx) or the request itself fails; shard and version come from x-lucent-shard / x-lucent-version.
   */
  async request(method: 'GET' | 'POST' | 'PUT', path: string, caller: Caller, body?: unknown, expect: readonly number[] = [], headers: Record<string, string> = {}): Promise<Answer> {
    this.tally.calls++;
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${tokenFor(caller)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await response.text();
      const parsed = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
      const shard = response.headers.get('x-lucent-shard') ?? undefined;
      const version = response.headers.get('x-lucent-version') ?? undefined;
      if (shard !== undefined) this.tally.byShard[shard] = (this.tally.byShard[shard] ?? 0) + 1;
      if (version !== undefined) this.tally.byVersion[version] = (this.tally.byVersion[version] ?? 0) + 1;
      const ok = expect.length === 0 ? response.status >= 200 && response.status < 300 : expect.includes(response.status);
      if (!ok) {
        this.tally.failed++;
        console.log(`    ✗ ${method} ${path} → ${response.status} ${text.slice(0, 200)}`);
      }
      return { status: response.status, body: parsed, ...(shard === undefined ? {} : { shard }), ...(version === undefined ? {} : { version }) };
    } catch (error) {
      this.tally.failed++;
      console.log(`    ✗ ${method} ${path} → ${String(error)}`);
      return { status: 0, body: {} };
    }
  }

  /** `calls` requests, `concurrency` at a time, paced to about `perSecond`, stopping early at `maxMs`. */
  async load(o: { calls: number; concurrency: number; perSecond: number; maxMs: number; send: (n: number) => Promise<unknown>; onProgress?: (done: number) => Promise<void> | void }): Promise<number> {
    const started = Date.now();
    let next = 0;
    let done = 0;
    const worker = async (): Promise<void> => {
      while (next < o.calls && Date.now() - started < o.maxMs) {
        const n = next++;
        const due = started + (n * 1_000) / o.perSecond;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        await o.send(n);
        done++;
        await o.onProgress?.(done);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency }, worker));
    return done;
  }
}
