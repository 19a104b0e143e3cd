// The bearer token the operator asks for (DASHBOARD_TOKEN_FILE): typed once, kept in this tab's
// sessionStorage, sent as `Authorization: Bearer`.
import { useState } from 'preact/hooks';

export function TokenForm({ refused, onToken }: { refused: boolean; onToken: (token: string) => void }) {
  const [token, setToken] = useState('');
  return (
    <section class="token" aria-labelledby="token-heading">
      <h2 id="token-heading">Token needed</h2>
      <p>This dashboard asks for a bearer token. It is kept in this browser tab only.</p>
      {refused && (
        <p class="error" role="alert">
          The token was refused. Check it and try again.
        </p>
      )}
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (token.trim()) onToken(token.trim());
        }}
      >
        <label for="token">Token</label>
        <input id="token" type="password" autoComplete="off" value={token} onInput={(event) => setToken(event.currentTarget.value)} required />
        <button type="submit">Open the dashboard</button>
      </form>
    </section>
  );
}
