import { shareXFile, shareXFileName } from '../../client/uploaders';
import type { ApiKey } from './api';
import type { ConsoleContext } from './context';
import { field, formatTime, h } from './dom';
import { alertBox, copy, dangerButton, type Section, say, submitting } from './ui';

/**
 * A link that saves a ShareX custom uploader (`.sxcu`) for `key`: offered only while the key is
 * shown, the one time it is (docs/clients.md#sharex-windows). The file is made in the page; the
 * key goes to no server.
 */
function shareXLink(apiUrl: string, key: { readonly key: string; readonly name: string }): HTMLAnchorElement {
  const target = { apiUrl: apiUrl || location.origin, apiKey: key.key, name: `Imager (${key.name})` };
  const file = new Blob([shareXFile(target)], { type: 'application/json' });
  return h('a', { class: 'button', href: URL.createObjectURL(file), download: shareXFileName(target) }, 'Download ShareX uploader (.sxcu)');
}

/** The API keys section: create a named key (its secret shown once, with a copy button and a ShareX uploader), list, revoke. */
export function keysSection({ api, config }: ConsoleContext, onChange: () => void): Section {
  const alert = alertBox();
  const name = field('Key name', { type: 'text', required: true, maxLength: 64, autocomplete: 'off', placeholder: 'e.g. laptop' }, '1 to 64 characters. The key is shown once.');
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create API key');
  const created = h('div', { class: 'new-key', hidden: true, role: 'region', 'aria-label': 'New API key' });
  const list = h('div', { class: 'key-list' });
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: submitting(create, alert, async () => {
        const key = await api.createKey(name.input.value);
        name.input.value = '';
        // The previous key's uploader file goes with it.
        for (const link of created.querySelectorAll('a[download]')) URL.revokeObjectURL((link as HTMLAnchorElement).href);
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
          shareXLink(config.apiUrl, key),
        );
        created.hidden = false;
        await refresh();
        onChange();
      }),
    },
    name.row,
    create,
  );

  function row(key: ApiKey): HTMLElement {
    const revoke = dangerButton('Revoke', `Revoke the key "${key.name}"? Programs using it will stop working.`, alert, async () => {
      alert.clear();
      await api.revokeKey(key.id);
      say(`Key "${key.name}" revoked.`);
      await refresh();
      onChange();
    });
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
