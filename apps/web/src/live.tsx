import { ShopNestClient, type ConnectionState, type ShopNestClientError } from '@shopnest/client';
import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { AnyEvent } from './lib/domain';
import type { Rest } from './lib/rest';
import type { ConsoleConfig, Session } from './lib/session';

/** What every screen needs: who is signed in, the SDK client, and REST for each service. */
export interface Live {
  session: Session;
  config: ConsoleConfig;
  client: ShopNestClient;
  orders: Rest;
  support: Rest;
}

export const LiveContext = createContext<Live | null>(null);

export function useLive(): Live {
  const live = useContext(LiveContext);
  if (!live) throw new Error('useLive outside LiveContext');
  return live;
}

/**
 * Subscribes to `channel` while the component is mounted. `refetch` runs once the subscription is
 * in place (a first subscribe replays nothing, so a change between the screen's first REST read and
 * the subscribe would otherwise be lost) and whenever history could not fill a gap after a reconnect.
 * Returns whether the server has accepted the subscription.
 */
export function useChannel(
  channel: string | null,
  onEvent: (event: AnyEvent, offset?: string) => void,
  refetch?: () => void,
): boolean {
  const { client } = useLive();
  const handlers = useRef({ onEvent, refetch });
  handlers.current = { onEvent, refetch };
  const [subscribed, setSubscribed] = useState(false);
  useEffect(() => {
    setSubscribed(false);
    if (!channel) return undefined;
    const stop = client.subscribe(
      channel,
      ({ event, offset }) => handlers.current.onEvent(event as unknown as AnyEvent, offset),
      { onGap: () => handlers.current.refetch?.() },
    );
    void stop.ready.then((result) => {
      setSubscribed(result.ok);
      if (result.ok) handlers.current.refetch?.();
    });
    return stop;
  }, [client, channel]);
  return subscribed;
}

/** The connection's state and, while reconnecting, when the next attempt is due. */
export function useConnection(client: ShopNestClient): {
  state: ConnectionState;
  retryAt: number | null;
  error?: ShopNestClientError;
} {
  const [status, setStatus] = useState<{ state: ConnectionState; retryAt: number | null; error?: ShopNestClientError }>(
    {
      state: client.state,
      retryAt: null,
    },
  );
  useEffect(() => {
    const offState = client.on('state', (state, error) =>
      setStatus((s) => ({ state, retryAt: state === 'connected' ? null : s.retryAt, ...(error && { error }) })),
    );
    const offRetry = client.on('retry', ({ delayMs }) => setStatus((s) => ({ ...s, retryAt: Date.now() + delayMs })));
    return () => {
      offState();
      offRetry();
    };
  }, [client]);
  return status;
}

/** Re-renders every `ms` while `active` (countdowns, "typing…" expiry). */
export function useTicker(active: boolean, ms = 500): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [active, ms]);
  return now;
}

/** Loads with `load` now and whenever `reload()` is called; keeps the last good value on error. */
export function useLoad<T>(
  load: () => Promise<T>,
  deps: unknown[],
): { value: T | null; error: string | null; reload: () => void; set: (update: (v: T | null) => T | null) => void } {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (v) => {
        if (!current) return;
        setValue(v);
        setError(null);
      },
      (e: unknown) => current && setError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      current = false;
    };
  }, [...deps, generation]);
  return { value, error, reload: () => setGeneration((g) => g + 1), set: setValue };
}
