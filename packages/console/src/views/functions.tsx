// Functions: every function with versions, weights, shadow and kill switch; one function's detail; bundles and refusals.
import { num, percent } from '../format.js';
import { href } from '../router.js';
import { useStore } from '../store.js';
import type { Bundle, FunctionInfo, Session } from '../types.js';
import { Badge, ErrorAlert, Loading, useFetch } from '../ui.js';
import { FunctionDetail } from './functionDetail.js';

export function FunctionsView({ name, canEdit, session }: { name: string | null; canEdit: boolean; session: Session }) {
  const tick = useStore((s) => s.registryTick);
  const list = useFetch<{ functions: FunctionInfo[] }>('/console/api/functions', [tick], 5_000);
  const functions = list.data?.functions ?? [];
  const selected = name === null ? undefined : functions.find((f) => f.name === name);

  return (
    <section data-testid="view-functions" aria-labelledby="functions-title">
      <h1 id="functions-title">Functions</h1>
      <ErrorAlert error={list.error} what="Functions" />
      {name !== null && (
        <FunctionDetail
          key={name}
          name={name}
          info={selected}
          known={list.data !== undefined}
          canEdit={canEdit}
          session={session}
          onChanged={list.reload}
        />
      )}
      <h2>All functions</h2>
      <Loading loading={list.loading && list.data === undefined} />
      {list.data && functions.length === 0 && <p class="muted">No functions: no shard reported any, and the registry holds no rules.</p>}
      <div class="scroll">
        <table data-testid="functions">
          <caption class="sr-only">Functions, their versions and switches</caption>
          <thead>
            <tr>
              <th scope="col">Function</th>
              <th scope="col">Versions (weight)</th>
              <th scope="col">Shadow</th>
              <th scope="col">Kill switch</th>
              <th scope="col" class="n">Calls/s</th>
              <th scope="col" class="n">Error rate</th>
            </tr>
          </thead>
          <tbody>
            {functions.map((f) => {
              const calls = f.versions.reduce((s, v) => s + v.callsPerSec, 0);
              const errors = calls === 0 ? null : f.versions.reduce((s, v) => s + v.errorRate * v.callsPerSec, 0) / calls;
              return (
                <tr key={f.name} data-testid="function-row" data-name={f.name} aria-current={f.name === name ? 'true' : undefined}>
                  <th scope="row">
                    <a href={href('functions', f.name)}>{f.name}</a>
                  </th>
                  <td>
                    {f.versions.map((v) => (
                      <span key={v.version} class={`tag${v.active ? ' strong' : ''}`}>
                        {v.version} {num(v.weight, 2)}%{v.active ? ' active' : ''}
                      </span>
                    ))}
                  </td>
                  <td>{f.shadow === null ? '—' : `${f.shadow.version} (${num(f.shadow.percent)}%)`}</td>
                  <td><Badge value={f.disabled ? 'disabled' : 'enabled'} /></td>
                  <td class="n">{num(calls)}</td>
                  <td class="n">{percent(errors)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <Bundles />
    </section>
  );
}

function Bundles() {
  const bundles = useFetch<{ deployer?: boolean; bundles: Bundle[] }>('/console/api/bundles');
  const absent = bundles.data?.deployer === false || bundles.error?.status === 404;
  return (
    <>
      <h2>Bundles and refusals</h2>
      {absent ? (
        <p class="muted">This topology has no bundle deployer: every version is compiled into the service.</p>
      ) : (
        <ErrorAlert error={bundles.error} what="Bundles" />
      )}
      {!absent && bundles.data && bundles.data.bundles.length === 0 && <p class="muted">No published bundles.</p>}
      {bundles.data && bundles.data.bundles.length > 0 && (
        <table data-testid="bundles">
          <caption class="sr-only">Published bundles and why any were refused</caption>
          <thead>
            <tr>
              <th scope="col">Function or bundle</th>
              <th scope="col">Version</th>
              <th scope="col">Status</th>
              <th scope="col">Reason</th>
              <th scope="col">Bundle</th>
              <th scope="col">Node</th>
            </tr>
          </thead>
          <tbody>
            {bundles.data.bundles.map((b) => (
              <tr key={`${b.node}/${b.bundle}/${b.name}@${b.version}`} data-testid="bundle-row" data-status={b.status}>
                <th scope="row">{b.name}</th>
                <td>{b.version ?? '—'}</td>
                <td><Badge value={b.status} /></td>
                <td>{b.reason ?? '—'}</td>
                <td class="mono small">{b.bundle ?? '—'}</td>
                <td>{b.node ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
