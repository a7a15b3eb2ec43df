// The login form, for a page opened without the token in its fragment.

import { useState } from 'preact/hooks';
import { logIn } from './session.js';

export function Login({ wrongToken, loggedIn }: { wrongToken: boolean; loggedIn: () => void }) {
  const [wrong, setWrong] = useState(wrongToken);
  const [token, setToken] = useState('');
  const submit = async (event: Event) => {
    event.preventDefault();
    if (await logIn(token.trim())) loggedIn();
    else setWrong(true);
  };
  return (
    <main class="login">
      <h1>plugd</h1>
      <p>
        Log in with the token from <code>plugd dashboard</code> or <code>plugd token</code>.
      </p>
      {wrong && (
        <p class="error" role="alert">
          That token is wrong.
        </p>
      )}
      <form onSubmit={(event) => void submit(event).catch((error: unknown) => console.error('log in failed:', error))}>
        <label for="token">Token</label>{' '}
        <input
          id="token"
          type="password"
          autocomplete="off"
          required
          autoFocus
          value={token}
          onInput={(event) => setToken(event.currentTarget.value)}
        />{' '}
        <button type="submit">Log in</button>
      </form>
    </main>
  );
}
