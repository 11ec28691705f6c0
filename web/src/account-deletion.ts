import type { AccountDeletion } from './api';
import type { ConsoleContext } from './context';
import { field, h } from './dom';
import { alertBox, go, type Section, setBusy, showWho } from './ui';

/** How often a deletion under way is asked about. */
const POLL_MS = 1500;

/** What each step of the job removes, in words (the steps of docs/account-deletion.md). */
const STEP_WORDS: Readonly<Record<string, string>> = {
  keys: 'stopping your API keys',
  images: 'deleting your images and their variants',
  webhooks: 'telling your webhooks, then deleting them',
  idempotency: 'deleting kept upload answers',
  exports: 'deleting your exports',
  'signing-secrets': 'deleting your URL-signing secrets',
  counters: 'deleting your usage counters',
  meter: 'deleting your usage meter',
  'key-records': 'deleting your key records',
  'cognito-user': 'deleting your sign-in',
};

/**
 * The "Delete account" section (docs/account-deletion.md): what goes, the password, a second
 * confirmation, then the deletion's progress (GET /api/account/deletion) until it is done, and
 * the person signed out.
 */
export function accountDeletionSection({ api, auth }: ConsoleContext): Section {
  const alert = alertBox();
  const password = field('Password', { type: 'password', required: true, autocomplete: 'current-password', maxLength: 256 }, 'Your sign-in password confirms that it is you.');
  const ask = h('button', { type: 'submit', class: 'danger' }, 'Delete account…');
  const confirm = h('button', { type: 'button', class: 'danger' }, 'Yes, delete my account and everything in it');
  const cancel = h('button', { type: 'button' }, 'Cancel');
  const confirmation = h(
    'div',
    { class: 'confirm', role: 'group', 'aria-labelledby': 'delete-confirm-title', hidden: true },
    h('p', { id: 'delete-confirm-title' }, h('strong', {}, 'This cannot be undone.'), ' Every image, key and export of this account is deleted for good.'),
    h('div', { class: 'actions' }, confirm, cancel),
  );
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const form = h('form', { class: 'delete-account-form', novalidate: true }, password.row, ask);

  function askAgain(): void {
    confirmation.hidden = true;
    form.hidden = false;
    ask.focus();
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    alert.clear();
    if (!password.input.value) {
      alert.show(new Error('Enter your password to delete the account.'));
      password.input.focus();
      return;
    }
    form.hidden = true;
    confirmation.hidden = false;
    cancel.focus();
  });
  cancel.addEventListener('click', askAgain);

  confirm.addEventListener('click', async () => {
    alert.clear();
    setBusy(confirm, true);
    setBusy(cancel, true);
    try {
      const deletion = await api.deleteAccount(password.input.value);
      password.input.value = '';
      confirmation.hidden = true;
      show(deletion);
    } catch (error) {
      alert.show(error);
      askAgain();
    } finally {
      setBusy(confirm, false);
      setBusy(cancel, false);
    }
  });

  function show(deletion: AccountDeletion): void {
    if (deletion.state === 'deleted') return void finish();
    if (deletion.state === 'none') {
      status.replaceChildren();
      return;
    }
    form.hidden = true;
    confirmation.hidden = true;
    const done = deletion.steps_done ?? 0;
    const total = deletion.steps_total ?? 0;
    const words = (deletion.step && STEP_WORDS[deletion.step]) ?? 'deleting';
    status.replaceChildren(
      `Deleting your account: step ${Math.min(done + 1, total)} of ${total}, ${words}… Your keys and links already stopped working.`,
      h('progress', { max: total, value: done, 'aria-label': 'Deletion progress' }),
    );
    setTimeout(() => void poll(), POLL_MS);
  }

  async function poll(): Promise<void> {
    try {
      show(await api.getAccountDeletion());
    } catch (error) {
      // A passing failure (throttled, offline): say so and keep asking.
      alert.show(error);
      setTimeout(() => void poll(), POLL_MS * 2);
    }
  }

  /** Deleted: the sign-in is gone too, so signing out is only forgetting the tokens here. */
  async function finish(): Promise<void> {
    status.replaceChildren('Your account is deleted. Signing you out…');
    await auth.signOut().catch(() => undefined);
    sessionStorage.setItem('imager.notice', 'Your account and everything in it are deleted. You are signed out.');
    showWho();
    go('signin');
  }

  const section = h(
    'section',
    { class: 'card delete-account', 'aria-labelledby': 'delete-account-title' },
    h('h2', { id: 'delete-account-title' }, 'Delete account'),
    h('p', { class: 'muted' }, 'Deleting the account removes, for good:'),
    h(
      'ul',
      { class: 'removed' },
      h('li', {}, 'every image, its variants and its links (they answer 404 at once)'),
      h('li', {}, 'every API key (they stop working at once) and URL-signing secret'),
      h('li', {}, 'your exports, usage and records, and your sign-in'),
    ),
    h('p', { class: 'muted' }, 'Want a copy first? Start an export above and download it before you delete.'),
    alert.box,
    form,
    confirmation,
    status,
  );
  return {
    section,
    async refresh() {
      try {
        const deletion = await api.getAccountDeletion();
        // A deletion started earlier (another tab, a reload): follow it.
        if (deletion.state !== 'none') show(deletion);
      } catch (error) {
        alert.show(error);
      }
    },
  };
}
