import { ApiFailure, clearToken, forgetCache, get, getToken, setToken, takeTokenFromFragment } from './api.js';
import { age, h } from './dom.js';
import { federationView, intentView, intentsView, type View } from './views.js';

/** How often the page asks for changes; unchanged answers are 304s without a body. */
const POLL_MS = 2000;

const main = document.getElementById('main') as HTMLElement;
const live = document.getElementById('live') as HTMLElement;
const who = document.getElementById('who') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const signout = document.getElementById('signout') as HTMLButtonElement;
let view: View | undefined;
let busy = false;

function signIn(message?: string): void {
  view = undefined;
  nav.hidden = true;
  signout.hidden = true;
  who.textContent = '';
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false', 'aria-describedby': 'token-help' });
  const form = h(
    'form',
    { class: 'signin', 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', tabindex: -1 }, 'Sign in to the FLARE dashboard'),
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    h('label', { for: 'token' }, 'API token'),
    input,
    h('p', { id: 'token-help', class: 'help' }, 'A token of flare serve; read-only permissions (intents:read, resources:read) are enough. It is kept in this tab only (sessionStorage).'),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(input.value.trim());
    forgetCache();
    void start();
  });
  main.replaceChildren(form);
  input.focus();
}

async function start(): Promise<void> {
  if (!getToken()) return signIn();
  try {
    const { data } = await get<{ tenant: string | null; owner: string; permissions: string[] }>('/api/v1/auth/verify');
    who.textContent = `${data.owner} · ${data.tenant ?? 'all tenants'}`;
  } catch (err) {
    return failed(err);
  }
  nav.hidden = false;
  signout.hidden = false;
  await show();
}

function failed(err: unknown): void {
  if (err instanceof ApiFailure && err.status === 401) {
    clearToken();
    forgetCache();
    signIn(`The token was not accepted: ${err.message}.`);
    return;
  }
  live.textContent = err instanceof ApiFailure ? `Error: ${err.message}` : 'The server does not answer; retrying.';
}

/** `#/`, `#/?tenant=a&phase=Running`, `#/intents/<id>`, `#/federation`. */
async function show(): Promise<void> {
  if (!getToken()) return signIn();
  const hash = location.hash.replace(/^#/, '') || '/';
  const [p, q] = hash.split('?', 2) as [string, string | undefined];
  const m = /^\/intents\/([a-z0-9-]{1,63})$/.exec(p);
  for (const a of nav.querySelectorAll('a')) a.removeAttribute('aria-current');
  if (m) {
    view = intentView(main, m[1]!);
  } else if (p === '/federation') {
    nav.querySelector('a[href="#/federation"]')?.setAttribute('aria-current', 'page');
    document.title = 'Federation – FLARE dashboard';
    view = federationView(main);
  } else {
    nav.querySelector('a[href="#/"]')?.setAttribute('aria-current', 'page');
    document.title = 'Intents – FLARE dashboard';
    view = intentsView(main, new URLSearchParams(q ?? ''));
  }
  await tick(true);
}

async function tick(first = false): Promise<void> {
  const v = view;
  if (!v || (busy && !first)) return;
  busy = true;
  try {
    await v.refresh(first);
    if (live.textContent) live.textContent = '';
  } catch (err) {
    if (v === view) failed(err);
  } finally {
    busy = false;
  }
  for (const t of main.querySelectorAll<HTMLElement>('time[data-age]')) t.textContent = age(t.dataset.age);
}

takeTokenFromFragment();
window.addEventListener('hashchange', () => {
  // A URL with a token pasted into an open tab changes only the fragment: no page load.
  if (location.hash.startsWith('#token=')) {
    takeTokenFromFragment();
    forgetCache();
    void start();
    return;
  }
  void show();
});
signout.addEventListener('click', () => {
  clearToken();
  forgetCache();
  signIn('Signed out.');
});
document.getElementById('skip')!.addEventListener('click', (e) => {
  // The skip link must not change the hash: the hash is the page's route.
  e.preventDefault();
  main.querySelector<HTMLElement>('h1')?.focus();
});
setInterval(() => {
  if (!document.hidden) void tick();
}, POLL_MS);
void start();
