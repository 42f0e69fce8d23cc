// Sign-in: paste a bearer token (kept in sessionStorage for this tab only).
import { useState } from 'preact/hooks';
import type { ApiError } from '../api.js';
import { ErrorAlert } from '../ui.js';

export function SignIn({ onSignIn, error }: { onSignIn: (token: string) => void; error: ApiError | undefined }) {
  const [token, setToken] = useState('');
  const submit = (e: Event): void => {
    e.preventDefault();
    if (token.trim() !== '') onSignIn(token.trim());
  };
  return (
    <main class="center">
      <h1>Lucent console</h1>
      <form data-testid="signin" class="card signin" onSubmit={submit}>
        <h2>Sign in</h2>
        <p>
          This service checks bearer tokens. Paste one (for example from <code>lucent token</code>); it is kept in this tab's session
          storage only. Any valid token may read; changes need the <code>admin</code> role.
        </p>
        <ErrorAlert error={error} what="Sign-in refused" />
        <label>
          Bearer token
          <input name="token" type="password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} autocomplete="off" />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
