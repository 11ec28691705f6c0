import type { SigningSecret } from './api';
import type { ConsoleContext } from './context';
import { formatTime, h } from './dom';
import { alertBox, copy, dangerButton, type Section, say, submitting } from './ui';

/**
 * The URL-signing secrets section (docs/edge.md): two at most, shown by `kid`; "Rotate signing
 * secret" makes a new one (shown once, with a copy button) and retires the older of two.
 */
export function signingSecretsSection({ api }: ConsoleContext): Section {
  const alert = alertBox();
  const rotate = h('button', { type: 'submit', class: 'primary' }, 'Rotate signing secret');
  const created = h('div', { class: 'new-key', hidden: true, role: 'region', 'aria-label': 'New signing secret' });
  const list = h('div', { class: 'key-list' });
  const form = h(
    'form',
    {
      class: 'inline',
      onsubmit: submitting(rotate, alert, async () => {
        const secret = await api.createSigningSecret();
        created.replaceChildren(
          h('p', {}, h('strong', {}, `New signing secret "${secret.kid}". `), 'Copy it now: it will not be shown again.'),
          h('code', { class: 'secret' }, secret.secret),
          h(
            'button',
            {
              type: 'button',
              async onclick() {
                await copy(secret.secret, 'Signing secret copied to the clipboard.');
              },
            },
            'Copy secret',
          ),
        );
        if (secret.retired.length > 0) created.append(h('p', { class: 'muted' }, `Retired: ${secret.retired.join(', ')} (URLs signed with it no longer work).`));
        created.hidden = false;
        await refresh();
      }),
    },
    rotate,
  );

  function row(secret: SigningSecret, newest: boolean): HTMLElement {
    const revoke = dangerButton('Revoke', `Revoke the signing secret "${secret.kid}"? URLs signed with it will stop working.`, alert, async () => {
      alert.clear();
      await api.revokeSigningSecret(secret.kid);
      say(`Signing secret "${secret.kid}" revoked.`);
      await refresh();
    });
    return h(
      'li',
      { class: 'key active', 'aria-label': `Signing secret ${secret.kid}` },
      h('div', { class: 'key-name' }, h('code', {}, secret.kid), newest ? ' (signs new URLs)' : ' (previous)'),
      h('dl', { class: 'key-meta' }, h('div', {}, h('dt', {}, 'Created'), h('dd', {}, formatTime(secret.created_at)))),
      revoke,
    );
  }

  async function refresh(): Promise<void> {
    try {
      const secrets = await api.listSigningSecrets();
      list.replaceChildren(
        secrets.length === 0
          ? h('p', { class: 'muted' }, 'No signing secret yet. One is made when an image becomes private, or rotate to make one now.')
          : h('ul', { class: 'keys' }, ...secrets.map((secret, index) => row(secret, index === 0))),
      );
    } catch (error) {
      alert.show(error);
    }
  }

  const section = h(
    'section',
    { class: 'card', 'aria-labelledby': 'signing-title' },
    h('h2', { id: 'signing-title' }, 'URL-signing secrets'),
    h('p', { class: 'muted' }, 'Sign image URLs (private images, transforms beyond the presets) with HMAC-SHA256 and a kid. Two secrets are valid at once, so you can rotate without breaking links.'),
    alert.box,
    form,
    created,
    list,
  );
  return { section, refresh };
}
