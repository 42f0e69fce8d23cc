// The console's frame: session check and sign-in, the live stream, header with connection badge, navigation, the view.
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, authHeaders, getToken, onUnauthorized, setToken } from './api.js';
import { href, useRoute, views, type View } from './router.js';
import { connectLive } from './sse.js';
import { receiveCluster, receiveLive, update, useStore } from './store.js';
import type { Cluster, Session } from './types.js';
import { ErrorAlert } from './ui.js';
import { SignIn } from './views/signIn.js';
import { ClusterView } from './views/cluster.js';
import { FunctionsView } from './views/functions.js';
import { CallsView } from './views/calls.js';
import { SagasView } from './views/sagas.js';
import { SchedulesView } from './views/schedules.js';
import { EventsView } from './views/events.js';

type Phase = 'loading' | 'signin' | 'ready' | 'failed';

const titles: Record<View, string> = {
  cluster: 'Cluster',
  functions: 'Functions',
  calls: 'Calls',
  sagas: 'Sagas',
  schedules: 'Schedules',
  events: 'Events',
};

/** Asked as soon as the script runs, before the first render: the first page (sign-in or a view) shows sooner. */
const firstSession = api.get<Session>('/console/api/session');
firstSession.catch(() => undefined);

export const readOnlyBanner = 'read-only: the admin API is off (start the service with LUCENT_AUTH_SECRET to enable changes)';

export function App() {
  const [phase, setPhase] = useState<Phase>('loading');
  const [problem, setProblem] = useState<ApiError | undefined>(undefined);
  const session = useStore((s) => s.session);

  const loadSession = async (pending?: Promise<Session>): Promise<void> => {
    const hadToken = getToken() !== null;
    try {
      const answer = await (pending ?? api.get<Session>('/console/api/session'));
      update({ session: answer });
      setProblem(undefined);
      setPhase('ready');
    } catch (e) {
      const error = e instanceof ApiError ? e : new ApiError(0, 'CLIENT', String(e));
      if (error.status === 401) {
        // A refused token is shown on the sign-in page; a first visit without one just asks for it.
        setProblem(hadToken ? error : undefined);
        setToken(null);
        setPhase('signin');
      } else {
        setProblem(error);
        setPhase('failed');
      }
    }
  };

  useEffect(() => {
    void loadSession(firstSession);
    // A token refused later (expired, or the secret changed) ends the session with a reason on the sign-in page.
    const ended = (): void => {
      setToken(null);
      update({ session: null });
      setProblem(new ApiError(401, 'UNAUTHORIZED', 'The service refused the token (expired or no longer valid); sign in again'));
      setPhase('signin');
    };
    return onUnauthorized(ended);
  }, []);

  useEffect(() => {
    if (phase !== 'ready') return;
    api.get<Cluster>('/console/api/cluster').then((c) => receiveCluster(c), () => undefined);
    return connectLive({
      url: '/console/api/live',
      headers: authHeaders,
      onMessage: receiveLive,
      onStatus: (connection, retryInMs) => update({ connection, retryInMs: retryInMs ?? null }),
      onUnauthorized: () => {
        setToken(null);
        update({ session: null });
        setProblem(new ApiError(401, 'UNAUTHORIZED', 'The live stream refused the token (expired or no longer valid); sign in again'));
        setPhase('signin');
      },
    });
  }, [phase]);

  const signIn = (token: string): void => {
    setToken(token);
    setProblem(undefined);
    void loadSession();
  };
  const signOut = (): void => {
    setToken(null);
    update({ session: null });
    setProblem(undefined);
    setPhase('signin');
  };

  if (phase === 'loading') return <main class="center"><p>Loading the console…</p></main>;
  if (phase === 'signin') return <SignIn onSignIn={signIn} error={problem} />;
  if (phase === 'failed' || session === null) {
    return (
      <main class="center">
        <h1>Lucent console</h1>
        <ErrorAlert error={problem} what="The console could not start" />
        <button type="button" onClick={() => void loadSession()}>Try again</button>
      </main>
    );
  }
  return <Shell session={session} onSignOut={signOut} />;
}

function Shell({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const route = useRoute();
  const connection = useStore((s) => s.connection);
  const retryInMs = useStore((s) => s.retryInMs);
  const canEdit = session.auth === 'on' && session.admin;
  useEffect(() => {
    document.title = `${titles[route.view]} · Lucent console`;
  }, [route.view]);
  return (
    <>
      <header class="top">
        <span class="brand">Lucent console</span>
        <nav aria-label="Views">
          <ul>
            {views.map((v) => (
              <li key={v}>
                <a href={href(v)} aria-current={route.view === v ? 'page' : undefined}>
                  {titles[v]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span data-testid="connection" class={`badge ${connection === 'live' ? 'good' : 'warn'}`}>
            {connection}
          </span>
          <span role="status" class="muted">
            {connection === 'reconnecting' ? `connection lost — reconnecting${retryInMs === null ? '' : ` in ${Math.ceil(retryInMs / 1000)} s`}` : ''}
          </span>
          {session.auth === 'on' && (
            <>
              <span>
                {session.subject ?? 'signed in'}
                {session.admin ? ' (admin)' : ''}
              </span>
              <button type="button" class="secondary" onClick={onSignOut}>
                Sign out
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main">
        {session.auth === 'off' && (
          <p class="banner" data-testid="read-only">
            {readOnlyBanner}
          </p>
        )}
        {session.auth === 'on' && !session.admin && (
          <p class="banner" data-testid="read-only">
            read-only: signed in without the admin role; changes need a token with the admin role
          </p>
        )}
        {route.view === 'cluster' && <ClusterView />}
        {route.view === 'functions' && <FunctionsView name={route.param} canEdit={canEdit} session={session} />}
        {route.view === 'calls' && <CallsView />}
        {route.view === 'sagas' && <SagasView id={route.param} />}
        {route.view === 'schedules' && <SchedulesView />}
        {route.view === 'events' && <EventsView />}
      </main>
    </>
  );
}
