// `lucent registry shadow-report <fn>`: how a function's shadow versions compare, from every shard over NATS or from the event store.
import type { ShadowPairReport } from '@lucent/runtime';
import { mergeShadowReports, shadowReport } from '@lucent/runtime';
import { askShadowReports, connectNats, shadowReportSubject } from '@lucent/nats';
import { openSystemEventStore } from '../systemEventStore.js';

export interface ShadowReportSource {
  readonly nats?: string;
  readonly prefix: string;
  readonly database?: string;
  readonly schema?: string;
}

export interface ShadowReportResult {
  /** Where the counts come from: the event store (every shard, since tallies began) or the shards that answered (since they started). */
  readonly source: string;
  readonly pairs: readonly ShadowPairReport[];
}

export async function readShadowReport(name: string, from: ShadowReportSource): Promise<ShadowReportResult> {
  if (from.database !== undefined) {
    const events = await openSystemEventStore(from.database, from.schema);
    try {
      return { source: `the event store (schema ${events!.schema}): every shard started with --database`, pairs: await shadowReport(events!, name) };
    } finally {
      await events?.close();
    }
  }
  if (from.nats === undefined) throw new TypeError('say where to read: --nats URL (ask the running shards) or --database URL (the event store)');
  const connection = await connectNats({ url: from.nats, name: 'lucent-cli' });
  try {
    const answers = await askShadowReports(connection, shadowReportSubject(from.prefix), name);
    return {
      source: answers.length === 0 ? `no shard answered under prefix ${from.prefix}` : `${answers.length} shards (${answers.map((a) => a.shard).join(', ')}), since each started`,
      pairs: mergeShadowReports(answers.map((a) => a.pairs)),
    };
  } finally {
    await connection.drain();
  }
}

const short = (value: unknown): string => {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
};

export function formatShadowReport(name: string, result: ShadowReportResult): string {
  const lines = [`shadow comparisons of ${name}, from ${result.source}`];
  if (result.pairs.length === 0) lines.push(`  none yet (set one with \`lucent registry shadow ${name} VERSION\`)`);
  for (const p of result.pairs) {
    const rate = p.agreementRate === null ? 'no comparison yet' : `${(p.agreementRate * 100).toFixed(1)}% agree`;
    lines.push(
      `  live ${p.live} vs shadow ${p.shadow}: ${rate}`,
      `    agreed ${p.agreed}, diverged ${p.diverged}, failed ${p.failed} (the shadow threw)`,
      `    not compared: skipped ${p.skipped} (shadow runs at maxInFlight: live traffic first), sampled out ${p.sampledOut} (sampleRate)`,
    );
    for (const e of p.examples) {
      lines.push(
        `    diverged ${new Date(e.at).toISOString()}${e.correlationId ? ` (${e.correlationId})` : ''}: input ${short(e.input)}`,
        `      live   ${short(e.liveOutput)}`,
        `      shadow ${short(e.shadowOutput)}`,
      );
    }
  }
  return lines.join('\n');
}
