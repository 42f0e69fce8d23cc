// Admin edits of one function through the admin API (/admin/registry/...): kill switch, weights, activate, shadow, jurisdictions.
// Each change asks for confirmation first (with the contract check's answer where versions start serving);
// a refusal from the API is shown with its code and message.
import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.js';
import { codeList, num } from '../format.js';
import { activeShare, contractCheck, servingUnder, type CompatibilityNote } from '../registry.js';
import type { FunctionInfo, RulesEntry } from '../types.js';
import { ConfirmDialog, ErrorAlert, type ConfirmRequest } from '../ui.js';

interface Props {
  name: string;
  info: FunctionInfo;
  entry: RulesEntry;
  onChanged: () => void;
}

const withReason = (reason: string, body: Record<string, unknown> = {}): Record<string, unknown> => (reason === '' ? body : { ...body, reason });

function CheckNotes({ notes }: { notes: CompatibilityNote[] }) {
  if (notes.length === 0) return <p>Contract check: no version starts serving, nothing to check.</p>;
  return (
    <ul data-testid="contract-check">
      {notes.map((n) => (
        <li key={n.version} class={n.compatible ? 'ok' : 'bad'}>
          Contract check for {n.version}: {n.compatible ? 'compatible' : 'incompatible'} ({n.reason})
          {!n.compatible && ' — the registry refuses this unless forced with a reason'}
        </li>
      ))}
    </ul>
  );
}

export function FunctionEditor({ name, info, entry, onChanged }: Props) {
  const rules = entry.rules;
  const path = `/admin/registry/${encodeURIComponent(name)}`;
  const others = info.versions.map((v) => v.version).filter((v) => v !== rules.active);
  const [confirm, setConfirm] = useState<ConfirmRequest | null>(null);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [done, setDone] = useState('');
  const [weights, setWeights] = useState<Record<string, string>>(() => Object.fromEntries(others.map((v) => [v, String(rules.weights[v] ?? 0)])));
  const [target, setTarget] = useState(others[0] ?? rules.active);
  const [force, setForce] = useState(false);
  const [shadow, setShadow] = useState(rules.shadow ?? '');
  const [allow, setAllow] = useState((rules.jurisdictions?.allow ?? []).join(', '));
  const [deny, setDeny] = useState((rules.jurisdictions?.deny ?? []).join(', '));

  /** Opens the confirm dialog; on confirm sends the change and reports the answer in the page. */
  const ask = (title: string, body: ConfirmRequest['body'], confirmLabel: string, send: (reason: string) => Promise<unknown>): void => {
    setConfirm({
      title,
      body,
      confirmLabel,
      run: async (reason) => {
        try {
          await send(reason);
          setError(undefined);
          setDone(`${title.replace(/\?$/, '')}: done.`);
          onChanged();
        } catch (e) {
          setDone('');
          setError(e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e)));
        }
      },
    });
  };

  const killSwitch = (): void => {
    const disabling = !info.disabled;
    ask(
      disabling ? `Disable ${name}?` : `Enable ${name}?`,
      <p>{disabling ? 'Every call is refused with FUNCTION_DISABLED until the function is enabled again.' : 'Calls are served again.'}</p>,
      disabling ? 'Disable' : 'Enable',
      (reason) => api.post(`${path}/${disabling ? 'disable' : 'enable'}`, withReason(reason)),
    );
  };

  const saveWeights = (e: Event): void => {
    e.preventDefault();
    // Sent as typed: the admin API checks the numbers and the page shows its refusal.
    const next = Object.fromEntries(Object.entries(weights).map(([v, w]) => [v, w.trim() === '' ? 0 : Number(w)]));
    const notes = contractCheck(entry, servingUnder(rules.active, next));
    ask(
      `Change the weights of ${name}?`,
      <>
        <ul>
          <li>{rules.active} (active): {num(activeShare(rules.active, next), 2)}%</li>
          {Object.entries(next).map(([v, w]) => (
            <li key={v}>{v}: {Number.isFinite(w) ? `${num(w, 2)}%` : String(weights[v])}</li>
          ))}
        </ul>
        <CheckNotes notes={notes} />
      </>,
      'Save weights',
      (reason) => api.put(`${path}/weights`, withReason(reason, { weights: next })),
    );
  };

  const activate = (e: Event): void => {
    e.preventDefault();
    ask(
      `Activate ${target} of ${name}?`,
      <>
        <p>{target} gets all traffic the weights do not send elsewhere.</p>
        <CheckNotes notes={contractCheck(entry, [target])} />
        {force && <p>Forced: the change skips the contract check; the reason is required and audited.</p>}
      </>,
      'Activate',
      (reason) => api.post(`${path}/activate`, withReason(reason, { version: target, ...(force ? { force: true } : {}) })),
    );
  };

  const saveShadow = (e: Event): void => {
    e.preventDefault();
    ask(
      shadow === '' ? `Turn off the shadow of ${name}?` : `Shadow ${name} with ${shadow}?`,
      <p>{shadow === '' ? 'No version runs beside the live one.' : `${shadow} runs beside the selected version on the same input; its output is compared, never returned.`}</p>,
      'Save shadow',
      (reason) => api.put(`${path}/shadow`, withReason(reason, { version: shadow === '' ? null : shadow })),
    );
  };

  const saveJurisdictions = (e: Event): void => {
    e.preventDefault();
    const next = { allow: codeList(allow), deny: codeList(deny) };
    ask(
      `Change the jurisdictions of ${name}?`,
      <p>
        Allow: {next.allow.join(', ') || 'any'}. Deny: {next.deny.join(', ') || 'none'}.
      </p>,
      'Save jurisdictions',
      (reason) => api.put(`${path}/jurisdictions`, withReason(reason, next)),
    );
  };

  return (
    <div class="editor" data-testid="function-editor">
      <h3>Change</h3>
      <ErrorAlert error={error} what="The admin API refused the change" />
      <p role="status" class="ok">{done}</p>
      <div class="row">
        <button type="button" data-testid="kill-switch" class={info.disabled ? '' : 'danger'} onClick={killSwitch}>
          {info.disabled ? 'Enable function' : 'Disable function (kill switch)'}
        </button>
      </div>

      <form class="row" onSubmit={saveWeights} aria-labelledby="weights-title">
        <h4 id="weights-title">Weights (percent of keyed traffic)</h4>
        {others.length === 0 && <p class="muted">Only one version: it gets all traffic.</p>}
        {others.map((v) => (
          <label key={v}>
            {v}
            <input data-testid={`weight-${v}`} name={`weight-${v}`} type="text" inputMode="decimal" size={6} value={weights[v] ?? ''} onInput={(e) => setWeights({ ...weights, [v]: e.currentTarget.value })} />
          </label>
        ))}
        <span>
          {rules.active} (active) gets the rest: {num(activeShare(rules.active, Object.fromEntries(Object.entries(weights).map(([v, w]) => [v, Number(w) || 0]))), 2)}%
        </span>
        <button type="submit" data-testid="save-weights" disabled={others.length === 0}>Save weights</button>
      </form>

      <form class="row" onSubmit={activate} aria-labelledby="activate-title">
        <h4 id="activate-title">Active version (now {rules.active})</h4>
        <label>
          Version
          <select value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
            {info.versions.map((v) => <option key={v.version} value={v.version}>{v.version}</option>)}
          </select>
        </label>
        <label class="inline">
          <input type="checkbox" checked={force} onChange={(e) => setForce(e.currentTarget.checked)} /> force past the contract check (needs a reason)
        </label>
        <button type="submit" data-testid="activate">Activate</button>
      </form>

      <form class="row" onSubmit={saveShadow} aria-labelledby="shadow-title">
        <h4 id="shadow-title">Shadow</h4>
        <label>
          Shadow version
          <select value={shadow} onChange={(e) => setShadow(e.currentTarget.value)} data-testid="shadow-version">
            <option value="">(off)</option>
            {info.versions.map((v) => <option key={v.version} value={v.version}>{v.version}</option>)}
          </select>
        </label>
        <button type="submit" data-testid="save-shadow">Save shadow</button>
      </form>

      <form class="row" onSubmit={saveJurisdictions} aria-labelledby="jurisdictions-title">
        <h4 id="jurisdictions-title">Jurisdictions (ISO 3166 codes)</h4>
        <label>
          Allow
          <input name="allow" data-testid="jurisdictions-allow" value={allow} onInput={(e) => setAllow(e.currentTarget.value)} placeholder="any" />
        </label>
        <label>
          Deny
          <input name="deny" data-testid="jurisdictions-deny" value={deny} onInput={(e) => setDeny(e.currentTarget.value)} placeholder="none" />
        </label>
        <button type="submit" data-testid="save-jurisdictions">Save jurisdictions</button>
      </form>
      {confirm && <ConfirmDialog request={confirm} onClose={() => setConfirm(null)} />}
    </div>
  );
}
