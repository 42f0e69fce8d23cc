// One function: its versions with traffic figures, shadow report, rules, editor (admins) and audit history.
import { useEffect, useRef } from 'preact/hooks';
import { json, ms, num, percent, time } from '../format.js';
import { describeChange } from '../registry.js';
import { useStore } from '../store.js';
import type { FunctionInfo, RulesChange, RulesEntry, Session, ShadowPair } from '../types.js';
import { Badge, ErrorAlert, useFetch } from '../ui.js';
import { FunctionEditor } from './functionEdit.js';

interface Props {
  name: string;
  info: FunctionInfo | undefined;
  known: boolean;
  canEdit: boolean;
  session: Session;
  onChanged: () => void;
}

export function FunctionDetail({ name, info, known, canEdit, onChanged }: Props) {
  const tick = useStore((s) => s.registryTick);
  const heading = useRef<HTMLHeadingElement>(null);
  const path = encodeURIComponent(name);
  // Admins read the admin API; other readers its read-only mirrors under /console/api.
  const base = canEdit ? `/admin/registry/${path}` : `/console/api/functions/${path}`;
  const rules = useFetch<RulesEntry>(canEdit ? base : null, [tick]);
  const history = useFetch<{ changes: RulesChange[] }>(`${base}/history?limit=50`, [tick]);
  const shadow = useFetch<{ source?: string; pairs: ShadowPair[] }>(`${base}/shadow-report`, [tick]);
  useEffect(() => heading.current?.focus(), [name]);

  const changed = (): void => {
    onChanged();
    rules.reload();
    history.reload();
  };

  return (
    <section class="detail card" data-testid="function-detail" data-name={name} aria-labelledby="function-title">
      <h2 id="function-title" tabIndex={-1} ref={heading}>
        {name} {info && <Badge value={info.disabled ? 'disabled' : 'enabled'} />}
      </h2>
      {known && info === undefined && <p role="alert" class="alert">No function named {name} in this service.</p>}
      {info && (
        <>
          <table data-testid="versions">
            <caption class="sr-only">Versions of {name}</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col" class="n">Weight</th>
                <th scope="col" class="n">Calls/s</th>
                <th scope="col" class="n">Error rate</th>
                <th scope="col" class="n">p99</th>
              </tr>
            </thead>
            <tbody>
              {info.versions.map((v) => (
                <tr key={v.version} data-testid="version-row" data-version={v.version}>
                  <th scope="row">
                    {v.version} {v.active && <Badge value="active" tone="good" />}
                  </th>
                  <td class="n">{num(v.weight, 2)}%</td>
                  <td class="n">{num(v.callsPerSec)}</td>
                  <td class="n">{percent(v.errorRate)}</td>
                  <td class="n">{ms(v.p99Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <dl class="facts">
            <dt>Shadow</dt>
            <dd>{info.shadow === null ? 'none' : `${info.shadow.version}, ${num(info.shadow.percent)}% of calls`}</dd>
            <dt>Kill switch</dt>
            <dd>{info.disabled ? 'on: every call is refused (FUNCTION_DISABLED)' : 'off: calls are served'}</dd>
            <dt>Jurisdictions</dt>
            <dd>
              {info.jurisdictions === null
                ? 'any'
                : `allow ${info.jurisdictions.allow?.join(', ') || 'any'}; deny ${info.jurisdictions.deny?.join(', ') || 'none'}`}
            </dd>
            <dt>Placement</dt>
            <dd>{info.placement === null ? 'any shard' : <pre>{json(info.placement)}</pre>}</dd>
          </dl>
        </>
      )}

      {canEdit && info && (
        <>
          <ErrorAlert error={rules.error} what="Registry rules" />
          {rules.data && <FunctionEditor name={name} info={info} entry={rules.data} onChanged={changed} />}
        </>
      )}

      <h3>Shadow report</h3>
      {shadow.error ? (
        <p class="muted">No shadow report: {shadow.error.code} {shadow.error.message}</p>
      ) : (
        <ShadowReport pairs={shadow.data?.pairs ?? []} source={shadow.data?.source} />
      )}

      <h3>Audit history</h3>
      <ErrorAlert error={history.error} what="History" absent="No audit history here" />
      {history.data && history.data.changes.length === 0 && <p class="muted">No recorded changes.</p>}
      <ol class="audit" reversed>
        {(history.data?.changes ?? []).map((c) => (
          <li key={c.revision} data-testid="audit-entry">
            <span class="muted">{time(c.at)}</span> rev {c.revision} · <strong>{c.who}</strong>: {describeChange(c.old, c.new)}
            {c.forced && <Badge value="forced" tone="warn" />}
            <div class="small">why: {c.why}</div>
          </li>
        ))}
      </ol>
    </section>
  );
}

function ShadowReport({ pairs, source }: { pairs: ShadowPair[]; source: string | undefined }) {
  if (pairs.length === 0) return <p class="muted">No shadow comparisons{source ? ` (${source})` : ''}.</p>;
  return (
    <div data-testid="shadow-report">
      {source && <p class="muted small">counted from {source}</p>}
      {pairs.map((p) => (
        <div key={`${p.live}/${p.shadow}`}>
          <p>
            {p.live} vs shadow {p.shadow}: agreed {p.agreed}, diverged {p.diverged}, failed {p.failed}, skipped {p.skipped}, sampled out {p.sampledOut}; agreement{' '}
            {percent(p.agreementRate)}
          </p>
          {p.examples.map((e, i) => (
            <details key={i}>
              <summary>
                divergence at {time(e.at)} {e.correlationId ? `(correlation ${e.correlationId})` : ''}
              </summary>
              <div class="cols">
                <div>
                  <h4>Input</h4>
                  <pre>{json(e.input)}</pre>
                </div>
                <div>
                  <h4>Live ({p.live})</h4>
                  <pre>{json(e.liveOutput)}</pre>
                </div>
                <div>
                  <h4>Shadow ({p.shadow})</h4>
                  <pre>{json(e.shadowOutput)}</pre>
                </div>
              </div>
            </details>
          ))}
        </div>
      ))}
    </div>
  );
}
