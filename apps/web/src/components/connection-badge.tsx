import type { ShopNestClient } from '@shopnest/client';
import { useEffect, useState } from 'preact/hooks';
import { useConnection, useTicker } from '../live';

/** Always on screen: connected / reconnecting (with a countdown to the next attempt) / offline. */
export function ConnectionBadge({ client }: { client: ShopNestClient }) {
  const { state, retryAt } = useConnection(client);
  const online = useOnline();
  const now = useTicker(state === 'reconnecting' || state === 'connecting');
  const [label, kind] = !online
    ? ['Offline', 'offline']
    : state === 'connected'
      ? ['Connected', 'connected']
      : state === 'reconnecting' || state === 'connecting'
        ? [
            retryAt && retryAt > now
              ? `Reconnecting in ${Math.ceil((retryAt - now) / 1000)} s`
              : state === 'connecting'
                ? 'Connecting…'
                : 'Reconnecting…',
            'reconnecting',
          ]
        : ['Offline', 'offline'];
  return (
    <span class={`connection connection--${kind}`} role="status" aria-live="polite" data-state={kind}>
      <span class="connection__dot" aria-hidden="true" />
      {label}
    </span>
  );
}

function useOnline(): boolean {
  const [online, setOnline] = useState(navigator.onLine);
  useEffect(() => {
    const update = () => setOnline(navigator.onLine);
    addEventListener('online', update);
    addEventListener('offline', update);
    return () => {
      removeEventListener('online', update);
      removeEventListener('offline', update);
    };
  }, []);
  return online;
}
