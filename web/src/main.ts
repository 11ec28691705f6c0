import './style.css';
import { type ApiKey, ApiError, type Image, ImagerApi } from './api';
import { Auth, type Claims } from './auth';
import { type ConsoleConfig, loadConfig } from './config';
import { field, formatBytes, formatTime, h } from './dom';

/**
 * The Imager web console: sign up, confirm, sign in; then account settings (usage, API keys)
 * and the gallery (upload by picking or dropping files, copy URL, delete). Views are chosen by
 * the URL hash so the browser's back button works.
 */

const app = document.getElementById('app')!;
const who = document.getElementById('who')!;
const toast = document.getElementById('toast')!;

let config: ConsoleConfig;
let auth: Auth;
let api: ImagerApi;

function say(message: string): void {
  toast.textContent = message;
  toast.classList.add('shown');
  setTimeout(() => toast.classList.remove('shown'), 4000);
}

function errorText(error: unknown): string {
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}

/** An alert area that announces errors to screen readers and shows them in words. */
function alertBox(): { box: HTMLElement; show(error: unknown): void; clear(): void } {
  const box = h('p', { class: 'alert', role: 'alert', hidden: true });
  return {
    box,
    show(error) {
      box.textContent = errorText(error);
      box.hidden = false;
    },
    clear() {
      box.textContent = '';
      box.hidden = true;
    },
  };
}

function go(view: string): void {
  if (location.hash !== `#/${view}`) location.hash = `#/${view}`;
  else render();
}

function mount(...nodes: HTMLElement[]): void {
  app.replaceChildren(...nodes);
  const heading = app.querySelector('h1');
  document.title = heading ? `${heading.textContent} · Imager` : 'Imager';
}

function setBusy(button: HTMLButtonElement, busy: boolean): void {
  button.disabled = busy;
  button.setAttribute('aria-busy', String(busy));
}

// ---- Signed out -------------------------------------------------------------------------

function signUpView(): void {
  const alert = alertBox();
  const email = field('Email', { type: 'email', autocomplete: 'username', required: true });
  const password = field('Password', { type: 'password', autocomplete: 'new-password', required: true, minLength: 12 }, 'At least 12 characters, with upper and lower case letters, a digit and a symbol.');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign up');
  const form = h(
    'form',
    {
      class: 'card narrow',
      async onsubmit(event: Event) {
        event.preventDefault();
        alert.clear();
        setBusy(submit, true);
        try {
          await auth.signUp(email.input.value.trim(), password.input.value);
          sessionStorage.setItem('imager.pendingEmail', email.input.value.trim());
          go('confirm');
        } catch (error) {
          alert.show(error);
        } finally {
          setBusy(submit, false);
        }
      },
    },
    h('h1', {}, 'Create your Imager account'),
    h('p', { class: 'muted' }, 'Sign up to get API keys for the Imager image hosting API.'),
    alert.box,
    email.row,
    password.row,
    submit,
    h('p', { class: 'switch' }, 'Already have an account? ', h('a', { href: '#/signin' }, 'Sign in instead')),
  );
  mount(form);
}

function confirmView(): void {
  const alert = alertBox();
  const pending = sessionStorage.getItem('imager.pendingEmail') ?? '';
  const email = field('Email', { type: 'email', autocomplete: 'username', required: true, value: pending });
  const code = field('Confirmation code', { type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', required: true, pattern: '[0-9]{4,8}' }, 'The code in the email we sent you.');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Confirm');
  const resend = h(
    'button',
    {
      type: 'button',
      class: 'link',
      async onclick() {
        alert.clear();
        try {
          await auth.resendCode(email.input.value.trim());
          say('A new code is on its way.');
        } catch (error) {
          alert.show(error);
        }
      },
    },
    'Send a new code',
  );
  const form = h(
    'form',
    {
      class: 'card narrow',
      async onsubmit(event: Event) {
        event.preventDefault();
        alert.clear();
        setBusy(submit, true);
        try {
          await auth.confirm(email.input.value.trim(), code.input.value.trim());
          sessionStorage.setItem('imager.confirmedEmail', email.input.value.trim());
          sessionStorage.removeItem('imager.pendingEmail');
          go('signin');
        } catch (error) {
          alert.show(error);
        } finally {
          setBusy(submit, false);
        }
      },
    },
    h('h1', {}, 'Confirm your email'),
    h('p', { class: 'muted' }, pending ? `We sent a confirmation code to ${pending}.` : 'Enter the confirmation code we emailed you.'),
    alert.box,
    email.row,
    code.row,
    submit,
    h('p', { class: 'switch' }, 'No code? ', resend),
  );
  mount(form);
}

function signInView(): void {
  const alert = alertBox();
  const confirmed = sessionStorage.getItem('imager.confirmedEmail');
  const email = field('Email', { type: 'email', autocomplete: 'username', required: true, value: confirmed ?? '' });
  const password = field('Password', { type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Sign in');
  const notice = sessionStorage.getItem('imager.notice');
  sessionStorage.removeItem('imager.notice');
  const form = h(
    'form',
    {
      class: 'card narrow',
      async onsubmit(event: Event) {
        event.preventDefault();
        alert.clear();
        setBusy(submit, true);
        try {
          await auth.signIn(email.input.value.trim(), password.input.value);
          sessionStorage.removeItem('imager.confirmedEmail');
          go('');
        } catch (error) {
          alert.show(error);
          if (/not confirmed/.test(errorText(error))) sessionStorage.setItem('imager.pendingEmail', email.input.value.trim());
        } finally {
          setBusy(submit, false);
        }
      },
    },
    h('h1', {}, 'Sign in'),
    confirmed ? h('p', { class: 'ok', role: 'status' }, 'Your email is confirmed. Sign in to continue.') : null,
    notice ? h('p', { class: 'ok', role: 'status' }, notice) : null,
    alert.box,
    email.row,
    password.row,
    submit,
    h('p', { class: 'switch' }, 'New to Imager? ', h('a', { href: '#/signup' }, 'Create an account')),
  );
  mount(form);
}

// ---- Signed in --------------------------------------------------------------------------

/**
 * The console browses images with an API key of its own ("Web console"), because image routes
 * take API keys (SPEC §2); it is created on first need, kept in this browser, counted among the
 * account's keys, and revoked on sign-out.
 */
function consoleKeyStorage(user: Claims): string {
  return `imager.consoleKey.${user.sub}`;
}

async function consoleKey(user: Claims, renew = false): Promise<string> {
  const stored = localStorage.getItem(consoleKeyStorage(user));
  if (stored && !renew) return (JSON.parse(stored) as { key: string }).key;
  const created = await api.createKey('Web console');
  localStorage.setItem(consoleKeyStorage(user), JSON.stringify({ id: created.id, key: created.key }));
  return created.key;
}

/** Runs an image call with the console's key, renewing the key once if it was revoked. */
async function withKey<T>(user: Claims, call: (key: string) => Promise<T>): Promise<T> {
  try {
    return await call(await consoleKey(user));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401) throw error;
    return call(await consoleKey(user, true));
  }
}

function dashboardView(user: Claims): void {
  const signOut = h(
    'button',
    {
      type: 'button',
      async onclick() {
        setBusy(signOut, true);
        // The console's own key goes with the session; then the refresh token is revoked.
        const stored = localStorage.getItem(consoleKeyStorage(user));
        if (stored) {
          await api.revokeKey((JSON.parse(stored) as { id: string }).id).catch(() => undefined);
          localStorage.removeItem(consoleKeyStorage(user));
        }
        try {
          await auth.signOut();
          sessionStorage.setItem('imager.notice', 'You are signed out.');
        } catch (error) {
          sessionStorage.setItem('imager.notice', `Signed out in this browser, but Cognito did not confirm: ${errorText(error)}`);
        }
        who.replaceChildren();
        go('signin');
      },
    },
    'Sign out',
  );
  who.replaceChildren(h('span', { class: 'email' }, user.email), signOut);

  const usage = usageSection();
  const keys = keysSection(() => usage.refresh());
  const gallery = gallerySection(user, () => usage.refresh());
  mount(h('h1', { class: 'visually-hidden' }, 'Account settings'), usage.section, keys.section, gallery.section);
  void usage.refresh();
  void keys.refresh();
  void gallery.refresh();
}

function usageSection(): { section: HTMLElement; refresh(): Promise<void> } {
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
          h('div', {}, h('dt', {}, 'Requests this hour'), h('dd', {}, `${account.usage.requests_this_hour} (limit ${account.usage.hourly_limit} per key)`)),
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

function keysSection(onChange: () => void): { section: HTMLElement; refresh(): Promise<void> } {
  const alert = alertBox();
  const name = field('Key name', { type: 'text', required: true, maxLength: 64, autocomplete: 'off', placeholder: 'e.g. laptop' }, '1 to 64 characters. The key is shown once.');
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create API key');
  const created = h('div', { class: 'new-key', hidden: true, role: 'region', 'aria-label': 'New API key' });
  const list = h('div', { class: 'key-list' });
  const form = h(
    'form',
    {
      class: 'inline',
      async onsubmit(event: Event) {
        event.preventDefault();
        alert.clear();
        setBusy(create, true);
        try {
          const key = await api.createKey(name.input.value);
          name.input.value = '';
          const value = h('code', { class: 'secret' }, key.key);
          created.replaceChildren(
            h('p', {}, h('strong', {}, `Your new key "${key.name}". `), 'Copy it now: it will not be shown again.'),
            value,
            h(
              'button',
              {
                type: 'button',
                async onclick() {
                  await copy(key.key, 'Key copied to the clipboard.');
                },
              },
              'Copy key',
            ),
          );
          created.hidden = false;
          await refresh();
          onChange();
        } catch (error) {
          alert.show(error);
        } finally {
          setBusy(create, false);
        }
      },
    },
    name.row,
    create,
  );

  function row(key: ApiKey): HTMLElement {
    const revoke = h(
      'button',
      {
        type: 'button',
        class: 'danger',
        async onclick() {
          if (!confirm(`Revoke the key "${key.name}"? Programs using it will stop working.`)) return;
          setBusy(revoke, true);
          alert.clear();
          try {
            await api.revokeKey(key.id);
            say(`Key "${key.name}" revoked.`);
            await refresh();
            onChange();
          } catch (error) {
            alert.show(error);
            setBusy(revoke, false);
          }
        },
      },
      'Revoke',
    );
    return h(
      'li',
      { class: `key ${key.status}`, 'aria-label': `Key ${key.name}` },
      h('div', { class: 'key-name' }, h('strong', {}, key.name), ' ', h('code', {}, `${key.prefix}…`)),
      h(
        'dl',
        { class: 'key-meta' },
        h('div', {}, h('dt', {}, 'Created'), h('dd', {}, formatTime(key.created_at))),
        h('div', {}, h('dt', {}, 'Last used'), h('dd', {}, formatTime(key.last_used_at))),
        h('div', {}, h('dt', {}, 'This hour'), h('dd', {}, String(key.requests_this_hour))),
        h('div', {}, h('dt', {}, 'Status'), h('dd', { class: `status ${key.status}` }, key.status === 'active' ? 'Active' : 'Revoked')),
      ),
      key.status === 'active' ? revoke : null,
    );
  }

  async function refresh(): Promise<void> {
    try {
      const keys = await api.listKeys();
      const active = keys.filter((key) => key.status === 'active');
      const revoked = keys.filter((key) => key.status === 'revoked');
      const nodes: HTMLElement[] = [
        active.length === 0 ? h('p', { class: 'muted' }, 'No active keys. Create one to call the API.') : h('ul', { class: 'keys' }, ...active.map(row)),
      ];
      // Revoked keys stay listed (when they were last used matters after a leak), folded away.
      if (revoked.length > 0) {
        nodes.push(h('details', { class: 'revoked-keys' }, h('summary', {}, `Revoked keys (${revoked.length})`), h('ul', { class: 'keys' }, ...revoked.map(row))));
      }
      list.replaceChildren(...nodes);
    } catch (error) {
      alert.show(error);
    }
  }

  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'keys-title' },
    h('h2', { id: 'keys-title' }, 'API keys'),
    h('p', { class: 'muted' }, 'Send a key as "Authorization: Bearer <key>". Each key may make 1000 requests per hour.'),
    alert.box,
    form,
    created,
    list,
  );
  return { section, refresh };
}

async function copy(text: string, done: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    say(done);
  } catch {
    say('Copying was refused by the browser: select the text and copy it.');
  }
}

function gallerySection(user: Claims, onChange: () => void): { section: HTMLElement; refresh(): Promise<void> } {
  const alert = alertBox();
  const grid = h('ul', { class: 'gallery', 'aria-label': 'Your images' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const progress = h('ul', { class: 'progress', 'aria-label': 'Uploads' });
  const picker = h('input', { id: 'pick', type: 'file', accept: 'image/*', multiple: true, class: 'visually-hidden' });
  const upload = h('button', { type: 'button', class: 'primary' }, 'Upload');
  let cursor: string | null = null;

  const drop = h(
    'div',
    { class: 'drop', role: 'group', 'aria-label': 'Upload images' },
    h('p', {}, 'Drop images here, or ', h('label', { for: 'pick', class: 'link' }, 'choose files'), '.'),
    h('p', { class: 'hint' }, `Up to ${formatBytes(config.maxLargeImageBytes)} each; files over ${formatBytes(config.maxImageBytes)} go straight to storage.`),
    picker,
    upload,
  );
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const files = [...(event.dataTransfer?.files ?? [])];
    if (files.length > 0) void uploadAll(files);
  });
  upload.addEventListener('click', () => {
    const files = [...(picker.files ?? [])];
    if (files.length === 0) {
      picker.click();
      return;
    }
    void uploadAll(files).then(() => {
      picker.value = '';
    });
  });

  async function uploadAll(files: File[]): Promise<void> {
    alert.clear();
    for (const file of files) await uploadOne(file);
    await load(true);
    onChange();
  }

  async function uploadOne(file: File): Promise<void> {
    const bar = h('progress', { max: 100, value: 0, 'aria-label': `Uploading ${file.name}` });
    const status = h('span', { class: 'muted' }, 'Starting…');
    const item = h('li', {}, h('span', { class: 'file' }, file.name), bar, status);
    progress.append(item);
    const onProgress = (loaded: number, total: number): void => {
      bar.value = Math.round((loaded / total) * 100);
      status.textContent = `${formatBytes(loaded)} of ${formatBytes(total)}`;
    };
    try {
      if (file.size > config.maxLargeImageBytes) throw new Error(`${file.name} is larger than ${formatBytes(config.maxLargeImageBytes)}.`);
      if (file.size <= config.maxImageBytes) {
        await withKey(user, (key) => api.uploadDirect(key, file, onProgress));
      } else {
        const started = await withKey(user, (key) => api.startUpload(key, file.size, file.type));
        await api.sendToStorage(started, file, onProgress);
        status.textContent = 'Checking…';
        const image = await waitUntilSettled(started.id);
        if (image.state === 'rejected') throw new Error(`${file.name} was refused: ${image.reason ?? 'not an allowed image'}.`);
      }
      bar.value = 100;
      status.textContent = 'Uploaded';
      setTimeout(() => item.remove(), 3000);
    } catch (error) {
      status.textContent = '';
      item.classList.add('failed');
      item.append(h('span', { class: 'alert', role: 'alert' }, `${file.name}: ${errorText(error)}`));
    }
  }

  async function waitUntilSettled(id: string): Promise<Image> {
    for (let attempt = 0; attempt < 60; attempt += 1) {
      const image = await withKey(user, (key) => api.getImage(key, id));
      if (image.state !== 'pending') return image;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    throw new Error('The upload is still being checked; it will appear in the gallery when it is ready.');
  }

  function card(image: Image): HTMLElement {
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'danger',
        async onclick() {
          if (!confirm('Delete this image? Its URL will stop working.')) return;
          setBusy(remove, true);
          try {
            await withKey(user, (key) => api.deleteImage(key, image.id));
            li.remove();
            say('Image deleted.');
            onChange();
          } catch (error) {
            alert.show(error);
            setBusy(remove, false);
          }
        },
      },
      'Delete',
    );
    const details = [image.width && image.height ? `${image.width}×${image.height}` : '', image.format ?? '', image.size !== undefined ? formatBytes(image.size) : '']
      .filter(Boolean)
      .join(' · ');
    // Thumbnails: the image URL itself until transforms (`?w=`) are available on main.
    const li = h(
      'li',
      { class: 'image', 'aria-label': `Image ${image.id}` },
      h('a', { href: image.url, target: '_blank', rel: 'noopener' }, h('img', { src: image.url, alt: `Image ${image.id}`, loading: 'lazy', decoding: 'async' })),
      h('p', { class: 'meta' }, details || image.state || '', h('br', {}), h('span', { class: 'muted' }, formatTime(image.created_at))),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            async onclick() {
              await copy(image.url, 'Image URL copied.');
            },
          },
          'Copy URL',
        ),
        remove,
      ),
    );
    return li;
  }

  async function load(reset: boolean): Promise<void> {
    try {
      const page = await withKey(user, (key) => api.listImages(key, reset ? undefined : (cursor ?? undefined)));
      const cards = page.images.filter((image) => image.state !== 'rejected').map(card);
      if (reset) grid.replaceChildren(...cards);
      else grid.append(...cards);
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      empty.hidden = grid.children.length > 0;
      alert.clear();
    } catch (error) {
      alert.show(error);
    }
  }
  more.addEventListener('click', () => void load(false));
  const empty = h('p', { class: 'muted', hidden: true }, 'No images yet. Upload one above, or with the API.');

  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'images-title' },
    h('h2', { id: 'images-title' }, 'Images'),
    alert.box,
    drop,
    progress,
    empty,
    grid,
    more,
  );
  return { section, refresh: () => load(true) };
}

// ---- Routing ----------------------------------------------------------------------------

function render(): void {
  const view = location.hash.replace(/^#\/?/, '');
  const user = auth.current();
  if (user && (view === '' || view === 'settings')) return dashboardView(user);
  if (user && (view === 'signin' || view === 'signup')) return go('');
  if (view === 'signup') return signUpView();
  if (view === 'confirm') return confirmView();
  return signInView();
}

async function start(): Promise<void> {
  try {
    config = await loadConfig();
  } catch (error) {
    mount(h('section', { class: 'card narrow' }, h('h1', {}, 'Imager is not available'), h('p', { class: 'alert', role: 'alert' }, errorText(error))));
    return;
  }
  auth = new Auth(config);
  auth.onSessionEnded = (reason) => {
    sessionStorage.setItem('imager.notice', reason);
    who.replaceChildren();
    go('signin');
  };
  api = new ImagerApi(config.apiUrl, () => auth.idToken());
  window.addEventListener('hashchange', render);
  render();
}

void start();
