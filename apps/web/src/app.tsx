import { ShopNestClient } from '@shopnest/client';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ConnectionBadge } from './components/connection-badge';
import { NotificationFeed } from './components/notification-feed';
import { restClient } from './lib/rest';
import { loadSession, saveSession, type ConsoleConfig, type Session } from './lib/session';
import { LiveContext, type Live } from './live';
import { AgentQueue } from './screens/agent-queue';
import { MyOrders } from './screens/my-orders';
import { OpsBoard } from './screens/ops-board';
import { OrderPage } from './screens/order-page';
import { SignIn } from './screens/sign-in';
import { TicketView } from './screens/ticket-view';

function useHashPath(): [string, (path: string) => void] {
  const read = () => location.hash.replace(/^#/, '') || '/';
  const [path, setPath] = useState(read);
  useEffect(() => {
    const update = () => setPath(read());
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return [path, (next) => (location.hash = next)];
}

/**
 * `?transports=polling` runs the console on HTTP long-polling alone (as behind a proxy that drops
 * WebSockets); the default is the SDK's WebSocket first, long-polling as the fallback.
 */
function transportsFromQuery(): { transports?: ('websocket' | 'polling')[] } {
  const names = new URLSearchParams(location.search).get('transports')?.split(',') ?? [];
  const transports = names.filter((n): n is 'websocket' | 'polling' => n === 'websocket' || n === 'polling');
  return transports.length > 0 ? { transports } : {};
}

/** The console: sign-in, then one SDK connection for the tab and the screens of the user's role. */
export function App({ config }: { config: ConsoleConfig }) {
  const [session, setSession] = useState<Session | null>(() => loadSession(sessionStorage));
  const signIn = (next: Session | null) => {
    saveSession(sessionStorage, next);
    setSession(next);
    location.hash = '/';
  };
  if (!session) return <SignIn devTokens={config.devTokens} onSignedIn={signIn} />;
  return <SignedIn config={config} session={session} onSignOut={() => signIn(null)} />;
}

function SignedIn({ config, session, onSignOut }: { config: ConsoleConfig; session: Session; onSignOut: () => void }) {
  const live = useMemo<Live>(() => {
    const token = () => session.token;
    return {
      session,
      config,
      client: new ShopNestClient({ url: config.edge, tokenProvider: token, ...transportsFromQuery() }),
      orders: restClient(config.orders, token),
      support: restClient(config.support, token),
    };
  }, [config, session]);
  useEffect(() => {
    live.client.connect().catch(() => undefined); // the badge shows why; the client keeps retrying
    return () => live.client.close();
  }, [live]);
  const [path, navigate] = useHashPath();
  return (
    <LiveContext.Provider value={live}>
      <header class="bar">
        <a class="bar__brand" href="#/">
          ShopNest Live
        </a>
        <ConnectionBadge client={live.client} />
        {session.roles.includes('customer') && <NotificationFeed />}
        <span class="bar__user">
          {session.userId}
          <button type="button" class="link" onClick={onSignOut}>
            Sign out
          </button>
        </span>
      </header>
      <Route path={path} session={session} navigate={navigate} />
    </LiveContext.Provider>
  );
}

function Route({ path, session, navigate }: { path: string; session: Session; navigate: (path: string) => void }) {
  const order = /^\/orders\/([\w-]+)$/.exec(path);
  const ticket = /^\/tickets\/([\w-]+)$/.exec(path);
  if (order?.[1]) return <OrderPage key={order[1]} orderId={order[1]} showHelp={session.roles.includes('customer')} />;
  if (ticket?.[1] && session.roles.includes('agent')) return <TicketView key={ticket[1]} ticketId={ticket[1]} />;
  if (session.roles.includes('agent')) return <AgentQueue />;
  if (session.roles.includes('ops')) return <OpsBoard />;
  return <MyOrders navigate={navigate} />;
}
