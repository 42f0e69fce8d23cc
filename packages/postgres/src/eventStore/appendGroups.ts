// Group commit for single-event appends: while a few appends are in flight, the ones that arrive wait and then go to the database together.
import { ConcurrencyError } from '@lucent/core';
import type { AppendResult, PreparedEvent } from '@lucent/runtime';

/** One single-event append without an idempotency key, as the store hands it over. */
export interface GroupMember {
  readonly stream: string;
  /** The expected version as the append function reads it: 'any', 'noStream', 'streamExists' or a number. */
  readonly expected: string;
  readonly event: PreparedEvent;
}

export interface AppendGroupsOptions {
  /**
   * Appends (or groups) in flight at once. Below it an append goes out at once, alone; at it, the
   * appends that arrive wait for one to finish and then leave together, in one call and one commit.
   */
  readonly maxInFlight: number;
  /** Members of one group at most (default 256). */
  readonly maxGroup?: number;
}

/** What the store gives the groups: the single append, and the group call returning two numbers per member. */
export interface AppendGroupsRunner {
  one(member: GroupMember): Promise<AppendResult>;
  group(payload: string): Promise<readonly (string | number)[]>;
}

interface Waiting extends GroupMember {
  readonly resolve: (r: AppendResult) => void;
  readonly reject: (e: unknown) => void;
}

/** A SQLSTATE from the server: the statement failed and its transaction rolled back (not a lost connection). */
function rolledBack(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08') && !code.startsWith('57');
}

/** The group's JSON argument, built by hand from the already serialized payloads. */
export function groupPayload(members: readonly GroupMember[]): string {
  return `[${members
    .map(
      (m) =>
        `{"s":${JSON.stringify(m.stream)},"x":${JSON.stringify(m.expected)},"id":"${m.event.id}","type":${JSON.stringify(m.event.type)},` +
        `"data":${m.event.dataJson},"metadata":${m.event.metadataJson}}`,
    )
    .join(',')}]`;
}

/**
 * Group commit. Under light load every append goes out alone, as soon as it arrives (no added
 * wait). When `maxInFlight` appends are already at the database, new ones queue; as soon as one
 * finishes, the queue leaves as one group (distinct streams; a second append to a stream waits for
 * the next group, so versions follow arrival). One group is one PL/pgSQL call and one commit, so
 * concurrent writers share the per-call and per-commit costs instead of paying them each.
 */
export class AppendGroups {
  private readonly queue: Waiting[] = [];
  private inFlight = 0;
  private readonly maxGroup: number;
  /** Groups sent with two or more members, and the members they held (for tests and the bench). */
  groups = 0;
  grouped = 0;

  constructor(
    private readonly runner: AppendGroupsRunner,
    private readonly options: AppendGroupsOptions,
  ) {
    this.maxGroup = Math.max(1, Math.min(options.maxGroup ?? 256, 65_536));
  }

  append(member: GroupMember): Promise<AppendResult> {
    if (this.inFlight < this.options.maxInFlight && this.queue.length === 0) {
      this.inFlight++;
      return this.runner.one(member).finally(() => this.done());
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ ...member, resolve, reject });
    });
  }

  private done(): void {
    this.inFlight--;
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) this.send(this.take());
  }

  /** The next group: waiting appends in arrival order, one per stream, at most maxGroup. */
  private take(): Waiting[] {
    const streams = new Set<string>();
    const taken: Waiting[] = [];
    let kept = 0;
    for (const w of this.queue) {
      if (taken.length < this.maxGroup && !streams.has(w.stream)) {
        streams.add(w.stream);
        taken.push(w);
      } else {
        this.queue[kept++] = w;
      }
    }
    this.queue.length = kept;
    return taken;
  }

  private send(members: Waiting[]): void {
    this.inFlight++;
    const sent = members.length === 1 ? this.sendOne(members[0] as Waiting) : this.sendGroup(members);
    void sent.finally(() => this.done());
  }

  private sendOne(w: Waiting): Promise<void> {
    return this.runner.one(w).then(w.resolve, w.reject);
  }

  private async sendGroup(members: Waiting[]): Promise<void> {
    let out: readonly (string | number)[];
    try {
      out = await this.runner.group(groupPayload(members));
    } catch (error) {
      // A member's own error (a repeated event id) rolled the group back: each runs alone, so only
      // its own caller sees it. A lost connection leaves every member's outcome unknown: all see it.
      if (!rolledBack(error)) {
        for (const w of members) w.reject(error);
        return;
      }
      await Promise.all(members.map((w) => this.sendOne(w)));
      return;
    }
    this.groups++;
    this.grouped += members.length;
    members.forEach((w, i) => {
      const version = Number(out[2 * i]);
      if (version < 0) {
        w.reject(new ConcurrencyError(w.stream, expectedOf(w.expected), -1 - version));
      } else {
        w.resolve({ nextVersion: version, lastGlobalPosition: Number(out[2 * i + 1]), duplicate: false });
      }
    });
  }
}

function expectedOf(expected: string): 'any' | 'noStream' | 'streamExists' | number {
  if (expected === 'any' || expected === 'noStream' || expected === 'streamExists') return expected;
  return Number(expected);
}
