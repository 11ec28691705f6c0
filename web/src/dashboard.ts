import { accountDeletionSection } from './account-deletion';
import type { Claims } from './auth';
import type { ConsoleContext } from './context';
import { formatBytes, formatTime, h } from './dom';
import { exportSection } from './export';
import { gallerySection } from './gallery';
import { keysSection } from './keys';
import { revokeLegacyConsoleKey } from './legacy-console-key';
import { signingSecretsSection } from './signing-secrets';
import { alertBox, errorText, go, mount, type Section, setBusy, showWho } from './ui';
import { webhooksSection } from './webhooks';

/** Account settings of the signed-in person: usage, API keys, URL-signing secrets, the gallery, webhooks, the export and deleting the account, with sign-out. */
export function dashboardView(context: ConsoleContext, user: Claims): void {
  const { api, auth } = context;
  const signOut = h(
    'button',
    {
      type: 'button',
      async onclick() {
        setBusy(signOut, true);
        // Signing out is Cognito's alone: the image routes took the session, no key goes with it.
        try {
          await auth.signOut();
          sessionStorage.setItem('imager.notice', 'You are signed out.');
        } catch (error) {
          sessionStorage.setItem('imager.notice', `Signed out in this browser, but Cognito did not confirm: ${errorText(error)}`);
        }
        showWho();
        go('signin');
      },
    },
    'Sign out',
  );
  showWho(h('span', { class: 'email' }, user.email), signOut);

  const usage = usageSection(context);
  const keys = keysSection(context, () => usage.refresh());
  const signing = signingSecretsSection(context);
  const gallery = gallerySection(context, () => usage.refresh());
  const webhooks = webhooksSection(context);
  const exports = exportSection(context);
  const deletion = accountDeletionSection(context);
  mount(h('h1', { class: 'visually-hidden' }, 'Account settings'), usage.section, keys.section, signing.section, gallery.section, webhooks.section, exports.section, deletion.section);
  // The account first: an account call makes it on a person's first sign-in, and the image
  // routes accept the session only once it exists (docs/accounts-and-console.md).
  void usage.refresh().then(() =>
    Promise.all([
      keys.refresh(),
      signing.refresh(),
      gallery.refresh(),
      webhooks.refresh(),
      exports.refresh(),
      deletion.refresh(),
      revokeLegacyConsoleKey(api, user).then((revoked) => (revoked ? keys.refresh() : undefined)),
    ]),
  );
}

function usageSection({ api }: ConsoleContext): Section {
  const alert = alertBox();
  const body = h('dl', { class: 'stats' });
  const section = h('section', { class: 'card', 'aria-labelledby': 'usage-title' }, h('h2', { id: 'usage-title' }, 'Usage'), alert.box, body);
  return {
    section,
    async refresh() {
      try {
        const account = await api.getAccount();
        alert.clear();
        body.replaceChildren(
          h('div', {}, h('dt', {}, 'Requests this hour'), h('dd', {}, `${account.usage.requests_this_hour} (limit ${account.usage.hourly_limit} per key and for the console)`)),
          h('div', {}, h('dt', {}, 'Resets at'), h('dd', {}, formatTime(account.usage.reset_at))),
          h('div', {}, h('dt', {}, 'Images stored'), h('dd', {}, `${account.images.count} (${formatBytes(account.images.bytes)})`)),
          h('div', {}, h('dt', {}, 'Member since'), h('dd', {}, formatTime(account.created_at))),
        );
      } catch (error) {
        alert.show(error);
      }
    },
  };
}
