import { useState } from 'preact/hooks';
import { devSignIn, type Persona, type Session } from '../lib/session';
import { ErrorNote } from '../components/error-note';

const PERSONAS: { persona: Persona; title: string; what: string }[] = [
  { persona: 'shopper', title: 'Shopper', what: 'my orders, live tracking, help chat' },
  { persona: 'agent', title: 'Support agent', what: 'ticket queue and chat' },
  { persona: 'ops', title: 'Ops', what: 'live board of orders' },
  { persona: 'courier', title: 'Courier', what: 'the orders I carry' },
];

/** Development sign-in: pick a demo user; the console's server mints the token (DEV_TOKENS only). */
export function SignIn({ devTokens, onSignedIn }: { devTokens: boolean; onSignedIn: (session: Session) => void }) {
  const [error, setError] = useState<string | null>(null);
  if (!devTokens) {
    return (
      <main class="page">
        <h1>Sign in</h1>
        <p>Development sign-in is off (DEV_TOKENS). Sign in through ShopNest.</p>
      </main>
    );
  }
  return (
    <main class="page">
      <h1>Sign in as a demo user</h1>
      <p class="hint">Development only: each tab keeps its own user.</p>
      <ul class="personas">
        {PERSONAS.map(({ persona, title, what }) => (
          <li key={persona}>
            <button
              type="button"
              class="persona"
              data-persona={persona}
              onClick={() => devSignIn(persona).then(onSignedIn, (e: Error) => setError(e.message))}
            >
              <strong>{title}</strong>
              <span>{what}</span>
            </button>
          </li>
        ))}
      </ul>
      <ErrorNote message={error} />
    </main>
  );
}
