// Records each registry change as an event (stream `registry-<function>`) and reads them back as history.
import type { ChangeAudit, FunctionRules, RulesChangeRecord } from '@lucent/core';
import type { EventStore } from '../eventStore/eventStore.js';
import type { RegistryHistoryOptions } from './registryStore.js';

export const rulesChangedEvent = 'RegistryRulesChanged';

export const registryStreamOf = (name: string): string => `registry-${name}`;

interface RulesChangedData {
  readonly name: string;
  readonly revision: number;
  readonly who: string;
  readonly why: string;
  readonly forced: boolean;
  readonly old: FunctionRules | null;
  readonly new: FunctionRules;
  /** When the store accepted the change, if known at recording time (a record written late carries it). */
  readonly at?: number;
}

export class RegistryAuditLog {
  constructor(private readonly events: EventStore) {}

  /** `at`: when the store accepted the change; by default the record's own timestamp stands for it. */
  async record(name: string, revision: number, old: FunctionRules | null, next: FunctionRules, audit: ChangeAudit, at?: number): Promise<void> {
    const data: RulesChangedData = {
      name,
      revision,
      who: audit.who,
      why: audit.why,
      forced: audit.force === true,
      old,
      new: next,
      ...(at === undefined ? {} : { at }),
    };
    // The store revision is the idempotency key, so a retried write of the same record is stored once.
    // The change itself stands for the request: a record written late carries `at` and may name
    // another `old` (see KvRegistryStore), yet it records the same change.
    await this.events.append(registryStreamOf(name), [{ type: rulesChangedEvent, data, metadata: { userId: audit.who } }], {
      idempotencyKey: `registry:${name}:${revision}`,
      idempotencyPayload: { name, revision, who: data.who, why: data.why, forced: data.forced, new: next },
    });
  }

  async history(name: string, options?: RegistryHistoryOptions): Promise<RulesChangeRecord[]> {
    const stored = await this.events.readStream(registryStreamOf(name), {
      direction: options?.direction ?? 'forwards',
      ...(options?.maxCount === undefined ? {} : { maxCount: options.maxCount }),
    });
    // A record written late (after its writer died, see KvRegistryStore) sits after newer ones in
    // the stream; the history is told in revision order all the same.
    const sign = options?.direction === 'backwards' ? -1 : 1;
    return stored
      .filter((e) => e.type === rulesChangedEvent)
      .map((e) => {
        const data = e.data as RulesChangedData;
        return { ...data, at: data.at ?? e.timestamp };
      })
      .sort((a, b) => sign * (a.revision - b.revision));
  }
}
