// `lucent registry --admin URL --token T`: operates through a node's /admin/registry endpoints; the token says who.
import { errorFromJSON, LucentError, rollbackTarget, type RulesChangeRecord, type RulesEntry, type SerializedError } from '@lucent/core';
import type { RegistryClient, WriteOptions } from './registryClient.js';

export function httpRegistryClient(baseUrl: string, token: string): RegistryClient {
  const base = baseUrl.replace(/\/+$/, '');
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}/admin/registry${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new LucentError('UNAVAILABLE', `Cannot reach ${base}: ${String(error)}`);
    }
    const text = await res.text();
    const parsed: unknown = text === '' ? undefined : JSON.parse(text);
    if (!res.ok) {
      const e = parsed as Partial<SerializedError> | undefined;
      if (e && typeof e.code === 'string' && typeof e.message === 'string') throw errorFromJSON(e as SerializedError);
      throw new LucentError('UNAVAILABLE', `${method} ${path} answered HTTP ${res.status}`);
    }
    return parsed as T;
  };
  const fn = (name: string) => `/${encodeURIComponent(name)}`;
  const writeBody = (o: WriteOptions, extra: Record<string, unknown> = {}) => ({ ...extra, reason: o.reason, ...(o.force ? { force: true } : {}) });
  const show = (name: string): Promise<RulesEntry> => request('GET', fn(name));
  const history = async (name: string, limit?: number): Promise<RulesChangeRecord[]> =>
    (await request<{ changes: RulesChangeRecord[] }>('GET', `${fn(name)}/history${limit === undefined ? '' : `?limit=${limit}`}`)).changes;
  return {
    register: () =>
      Promise.reject(new LucentError('VALIDATION_FAILED', 'the admin API has no register route; run `lucent registry register` with --nats URL')),
    // The admin API has no rollback route: the target is decided here from the history, then activated (and audited) there.
    rollback: async (name, to, o) => {
      const current = await show(name);
      const target = rollbackTarget(current.rules, to === undefined ? await history(name) : [], to);
      return request('POST', `${fn(name)}/activate`, writeBody(o, { version: target }));
    },
    list: async () => (await request<{ functions: RulesEntry[] }>('GET', '')).functions,
    show,
    history,
    activate: (name, version, o) => request('POST', `${fn(name)}/activate`, writeBody(o, { version })),
    weights: (name, weights, o) => request('PUT', `${fn(name)}/weights`, writeBody(o, { weights })),
    shadow: (name, version, o) => request('PUT', `${fn(name)}/shadow`, writeBody(o, { version: version ?? null })),
    enable: (name, o) => request('POST', `${fn(name)}/enable`, writeBody(o)),
    disable: (name, o) => request('POST', `${fn(name)}/disable`, writeBody(o)),
    jurisdictions: (name, rules, o) => request('PUT', `${fn(name)}/jurisdictions`, writeBody(o, { ...rules })),
    route: (name, edit, o) => {
      if ('set' in edit) {
        const { name: route, ...rest } = edit.set;
        return request('PUT', `${fn(name)}/routes/${encodeURIComponent(route)}`, writeBody(o, rest));
      }
      if ('remove' in edit) return request('DELETE', `${fn(name)}/routes/${encodeURIComponent(edit.remove)}`, writeBody(o));
      return request('DELETE', `${fn(name)}/routes`, writeBody(o));
    },
    close: () => Promise.resolve(),
  };
}
