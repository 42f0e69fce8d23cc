// `lucent registry --nats URL`: operates on the JetStream KV registry directly, auditing to PostgreSQL when given one.
import type { NatsConnection } from 'nats';
import { LucentError, type ChangeAudit, type JurisdictionRules } from '@lucent/core';
import { RegistryAdmin, type EventStore } from '@lucent/runtime';
import { connectNats, KvRegistryStore } from '@lucent/nats';
import { openSystemEventStore } from '../systemEventStore.js';
import type { RegistryClient, WriteOptions } from './registryClient.js';

export interface NatsRegistryTarget {
  readonly nats: string;
  readonly bucket?: string;
  /** PostgreSQL URL of the system's event store, where the audit trail (history) lives. */
  readonly database?: string;
  readonly schema?: string;
  /** Recorded as `who` on every change. */
  readonly who: string;
  /** Only reads (list, show, history): never create the bucket; a missing one reads as empty. */
  readonly readOnly?: boolean;
}

export async function openNatsRegistryClient(target: NatsRegistryTarget): Promise<{ client: RegistryClient; auditShared: boolean }> {
  const connection: NatsConnection = await connectNats({ url: target.nats, name: 'lucent-cli' });
  let events: EventStore | undefined;
  try {
    events = await openSystemEventStore(target.database, target.schema);
    const options = {
      connection,
      ...(target.bucket === undefined ? {} : { bucket: target.bucket }),
      ...(events === undefined ? {} : { eventStore: events }),
    };
    const store = target.readOnly === true ? await KvRegistryStore.open({ ...options, bindOnly: true }) : await KvRegistryStore.open(options);
    if (store === undefined) {
      await events?.close();
      await connection.drain();
      return { client: emptyRegistry(target.bucket ?? 'lucent-registry'), auditShared: true };
    }
    const admin = new RegistryAdmin(store);
    const audit = (o: WriteOptions): ChangeAudit => (o.force ? { who: target.who, why: o.reason, force: true } : { who: target.who, why: o.reason });
    const client: RegistryClient = {
      list: () => store.list(),
      show: async (name) => {
        const entry = await store.get(name);
        if (!entry) throw new LucentError('FUNCTION_NOT_FOUND', `No rules for ${name} in the registry`, { name });
        return entry;
      },
      history: (name, limit) => store.history(name, { direction: 'backwards', ...(limit === undefined ? {} : { maxCount: limit }) }),
      register: (name, version, o) => admin.register(name, version, audit(o)),
      activate: (name, version, o) => admin.activate(name, version, audit(o)),
      rollback: (name, to, o) => admin.rollback(name, to, audit(o)),
      weights: (name, weights, o) => admin.weights(name, weights, audit(o)),
      shadow: (name, version, o) => admin.shadow(name, version, audit(o)),
      enable: (name, o) => admin.enable(name, audit(o)),
      disable: (name, o) => admin.disable(name, audit(o)),
      jurisdictions: (name, rules: JurisdictionRules, o) => admin.jurisdictions(name, rules, audit(o)),
      route: (name, edit, o) =>
        'set' in edit ? admin.route(name, edit.set, audit(o)) : 'remove' in edit ? admin.removeRoute(name, edit.remove, audit(o)) : admin.clearRoutes(name, audit(o)),
      close: async () => {
        await store.close();
        await events?.close();
        await connection.drain();
      },
    };
    return { client, auditShared: events !== undefined };
  } catch (error) {
    await events?.close();
    await connection.close();
    throw error;
  }
}

/** A registry bucket that does not exist reads as empty; a write would need it, so none is offered. */
function emptyRegistry(bucket: string): RegistryClient {
  const none = (name: string): Promise<never> =>
    Promise.reject(new LucentError('FUNCTION_NOT_FOUND', `No rules for ${name}: registry bucket ${bucket} does not exist (no shard with a registry has started under this prefix)`, { name }));
  const readOnly = (): Promise<never> => Promise.reject(new LucentError('VALIDATION_FAILED', 'this registry client only reads'));
  return {
    list: () => Promise.resolve([]),
    show: none,
    history: () => Promise.resolve([]),
    register: readOnly,
    activate: readOnly,
    rollback: readOnly,
    weights: readOnly,
    shadow: readOnly,
    enable: readOnly,
    disable: readOnly,
    jurisdictions: readOnly,
    route: readOnly,
    close: () => Promise.resolve(),
  };
}
