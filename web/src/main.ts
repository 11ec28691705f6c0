import './style.css';
import { ImagerApi } from './api';
import { Auth } from './auth';
import { loadConfig } from './config';
import type { ConsoleContext } from './context';
import { dashboardView } from './dashboard';
import { h } from './dom';
import { confirmView, signInView, signUpView } from './signed-out';
import { errorText, go, mount, showWho } from './ui';

/**
 * The Imager web console: sign up, confirm, sign in; then account settings (usage, API keys)
 * and the gallery (upload by picking or dropping files, copy URL, delete). Views are chosen by
 * the URL hash so the browser's back button works.
 */

function render(context: ConsoleContext): void {
  const view = location.hash.replace(/^#\/?/, '');
  const user = context.auth.current();
  if (user && (view === '' || view === 'settings')) return dashboardView(context, user);
  if (user && (view === 'signin' || view === 'signup')) return go('');
  if (view === 'signup') return signUpView(context);
  if (view === 'confirm') return confirmView(context);
  return signInView(context);
}

async function start(): Promise<void> {
  let config;
  try {
    config = await loadConfig();
  } catch (error) {
    mount(h('section', { class: 'card narrow' }, h('h1', {}, 'Imager is not available'), h('p', { class: 'alert', role: 'alert' }, errorText(error))));
    return;
  }
  const auth = new Auth(config);
  auth.onSessionEnded = (reason) => {
    sessionStorage.setItem('imager.notice', reason);
    showWho();
    go('signin');
  };
  const context: ConsoleContext = { config, auth, api: new ImagerApi(config.apiUrl, () => auth.idToken()) };
  window.addEventListener('hashchange', () => render(context));
  render(context);
}

void start();
