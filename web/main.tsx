// The dashboard's page: the overview at `#/`, a plugin's page at
// `#/plugins/NAME`, both drawn from the live feed; without a session, the
// login form (the login URL's token is traded for one first).

import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { connectFeed, type FeedState } from './feed.js';
import { Overview } from './overview.js';
import { PluginPage } from './plugin-page.js';
import { Login } from './login.js';
import { hasSession, logIn, logOut, takeTokenFromAddress } from './session.js';
import './style.css';

const route = () => decodeURIComponent(location.hash.replace(/^#\/?/, ''));

function App() {
  const [feed, setFeed] = useState<FeedState>({ charts: {}, logs: [], events: [], connected: false });
  const [path, setPath] = useState(route());
  useEffect(() => {
    connectFeed(setFeed);
    const onHash = () => setPath(route());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const plugin = path.startsWith('plugins/') ? path.slice('plugins/'.length) : undefined;
  useEffect(() => {
    document.title = plugin ? `${plugin} · plugd` : 'plugd';
  }, [plugin]);
  return (
    <>
      <header class="top">
        <a href="#/" class="brand">
          plugd
        </a>
        <span class={feed.connected ? 'live' : 'live off'} role="status">
          {feed.connected ? 'live' : 'reconnecting…'}
        </span>
        <button type="button" class="logout" onClick={() => void logOut()}>
          Log out
        </button>
      </header>
      <main>{plugin ? <PluginPage name={plugin} feed={feed} /> : <Overview feed={feed} />}</main>
    </>
  );
}

function show(wrongToken = false): void {
  const root = document.getElementById('app')!;
  render(hasSession() ? <App /> : <Login wrongToken={wrongToken} loggedIn={() => show()} />, root);
}

const token = takeTokenFromAddress();
if (token === undefined) show();
else
  void logIn(token).then(
    (valid) => show(!valid),
    () => show(true),
  );
