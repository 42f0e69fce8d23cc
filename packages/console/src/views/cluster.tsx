// Cluster: the shards with their health and load, live charts of calls/s and in-flight, the gateway, the stores.
import { ms, num, relative } from '../format.js';
import { LiveChart } from '../liveChart.js';
import { useStore } from '../store.js';
import type { Overview } from '../types.js';
import { Badge, ErrorAlert, useFetch } from '../ui.js';

const storeNames: Record<string, string> = { eventStore: 'Event store', projections: 'Projections', nats: 'NATS', registry: 'Registry' };

export function ClusterView() {
  const cluster = useStore((s) => s.cluster);
  const samples = useStore((s) => s.samples);
  const overview = useFetch<Overview>('/console/api/overview', [], 10_000);
  const service = overview.data?.service;

  return (
    <section data-testid="view-cluster" aria-labelledby="cluster-title">
      <h1 id="cluster-title">Cluster</h1>
      <ErrorAlert error={overview.error} what="Overview" />
      {service && (
        <p>
          <strong>{service.name}</strong> {service.version} · mode {service.mode} · started {relative(service.startedAt)}
        </p>
      )}

      <h2>Stores</h2>
      <ul class="cards" data-testid="stores">
        {(overview.data?.stores ?? []).map((s) => (
          <li key={s.name} class="card">
            <span>{storeNames[s.name] ?? s.name}</span> <Badge value={s.status} />
            {s.detail && <div class="muted small">{s.detail}</div>}
          </li>
        ))}
      </ul>

      <h2>Gateway</h2>
      {cluster?.gateway ? (
        <p data-testid="gateway">
          {cluster.gateway.id}: {num(cluster.gateway.callsPerSec)} calls/s, {cluster.gateway.inFlight} in flight
        </p>
      ) : (
        <p class="muted">No gateway: this process serves calls itself.</p>
      )}

      <h2>Shards</h2>
      {cluster === null ? (
        <p class="muted">Waiting for the first cluster report…</p>
      ) : (
        <div class="scroll">
          <table data-testid="shards">
            <caption class="sr-only">Shards and their load</caption>
            <thead>
              <tr>
                <th scope="col">Shard</th>
                <th scope="col">Tags</th>
                <th scope="col">Status</th>
                <th scope="col" class="n">CPU</th>
                <th scope="col" class="n">Memory</th>
                <th scope="col" class="n">Event-loop lag</th>
                <th scope="col" class="n">In flight</th>
                <th scope="col" class="n">Calls/s</th>
                <th scope="col">Versions</th>
                <th scope="col">Breaker</th>
              </tr>
            </thead>
            <tbody>
              {cluster.shards.map((s) => (
                <tr key={s.id} data-testid="shard-row" data-id={s.id}>
                  <th scope="row">{s.id}</th>
                  <td>{s.tags.length === 0 ? '—' : s.tags.map((t) => <span key={t} class="tag">{t}</span>)}</td>
                  <td><Badge value={s.status} /></td>
                  <td class="n">{num(s.cpu * 100, 0)}%</td>
                  <td class="n">{num(s.memoryMb, 0)} MB</td>
                  <td class="n">{ms(s.eventLoopLagMs)}</td>
                  <td class="n">{s.inFlight}</td>
                  <td class="n">{num(s.callsPerSec)}</td>
                  <td class="small">{s.versions.join(', ') || '—'}</td>
                  <td><Badge value={s.breaker} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Load</h2>
      <div class="charts">
        <LiveChart title="Calls per second" unit="calls/s" samples={samples} pick={(s) => s.calls} testId="chart-calls" />
        <LiveChart title="In flight" unit="calls" samples={samples} pick={(s) => s.inFlight} testId="chart-inflight" />
      </div>
    </section>
  );
}
