/** Where the services are, as the console's server tells the browser (`GET /config.json`). */
export interface ConsoleConfig {
  edge: string;
  orders: string;
  support: string;
  devTokens: boolean;
}

export type Persona = 'shopper' | 'courier' | 'agent' | 'ops';

/** Who is signed in: the token is kept per tab (sessionStorage), so two tabs can be two users. */
export interface Session {
  token: string;
  userId: string;
  roles: string[];
  persona: Persona;
}

const KEY = 'shopnest.session';

export function loadSession(storage: Pick<Storage, 'getItem'>): Session | null {
  const raw = storage.getItem(KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    return typeof session.token === 'string' && typeof session.userId === 'string' ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(storage: Pick<Storage, 'setItem' | 'removeItem'>, session: Session | null): void {
  if (session) storage.setItem(KEY, JSON.stringify(session));
  else storage.removeItem(KEY);
}

/**
 * Development sign-in: a token for a demo user, from the console's `POST /dev/token` (DEV_TOKENS only).
 * `consoleUrl` (ending in `/`) is for callers outside the page, such as tools/dev/simulate.mjs.
 */
export async function devSignIn(persona: Persona, userId?: string, consoleUrl = ''): Promise<Session> {
  const response = await fetch(`${consoleUrl}dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ persona, ...(userId && { userId }) }),
  });
  if (!response.ok) throw new Error(`sign-in failed: HTTP ${response.status}`);
  const body = (await response.json()) as { token: string; userId: string; roles: string[] };
  return { token: body.token, userId: body.userId, roles: body.roles, persona };
}

export async function loadConfig(consoleUrl = ''): Promise<ConsoleConfig> {
  const response = await fetch(`${consoleUrl}config.json`);
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  return (await response.json()) as ConsoleConfig;
}
