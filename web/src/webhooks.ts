import type { WebhookEndpoint, WebhookEndpointWithSecret, WebhookEventType } from './api';
import type { ConsoleContext } from './context';
import { field, formatTime, h } from './dom';
import { alertBox, copy, dangerButton, type Section, say, setBusy, submitting } from './ui';
import { type DeliveryLog, deliveryLog } from './webhook-deliveries';

/** The events an endpoint may want (docs/webhooks.md#events). */
const EVENTS: readonly WebhookEventType[] = ['image.ready', 'image.rejected', 'image.deleted', 'image.expired'];

/** A group of event checkboxes, each named by its event; `chosen()` the ones ticked. */
function eventChoices(legend: string, selected: readonly WebhookEventType[]): { group: HTMLFieldSetElement; chosen(): WebhookEventType[] } {
  const boxes = EVENTS.map((type) => h('input', { type: 'checkbox', value: type, checked: selected.includes(type) }));
  const group = h(
    'fieldset',
    { class: 'events' },
    h('legend', {}, legend),
    ...boxes.map((box) => h('label', { class: 'check' }, box, h('code', {}, box.value))),
  );
  return { group, chosen: () => boxes.filter((box) => box.checked).map((box) => box.value as WebhookEventType) };
}

function noEventChosen(): Error {
  return new Error('Choose at least one event.');
}

/**
 * The Webhooks section (docs/webhooks.md): the account's endpoints with their events and
 * whether they are enabled; add one (its signing secret shown once, with a copy button), rotate
 * its secret (the new one shown once too), change its events, disable or enable it, delete it;
 * and, per endpoint, its delivery log with Redeliver.
 */
export function webhooksSection(context: ConsoleContext): Section {
  const { api } = context;
  const alert = alertBox();
  const url = field('Endpoint URL', { type: 'url', required: true, maxLength: 2048, autocomplete: 'off', placeholder: 'https://app.example/hooks/imager' }, 'An https:// URL on a host with public addresses only.');
  const events = eventChoices('Events', EVENTS);
  const enabled = h('input', { type: 'checkbox', checked: true });
  const add = h('button', { type: 'submit', class: 'primary' }, 'Add endpoint');
  const created = h('div', { class: 'new-key', hidden: true, role: 'region', 'aria-label': 'New webhook secret' });
  const list = h('div', { class: 'endpoint-list' });
  /** Each endpoint's log, kept across redraws of the list so an open one stays open. */
  const logs = new Map<string, DeliveryLog>();

  const form = h(
    'form',
    {
      class: 'webhook-form',
      onsubmit: submitting(add, alert, async () => {
        const chosen = events.chosen();
        if (chosen.length === 0) throw noEventChosen();
        const endpoint = await api.createWebhookEndpoint({ url: url.input.value.trim(), events: chosen, enabled: enabled.checked });
        url.input.value = '';
        showSecret(endpoint, 'New endpoint');
        say('Endpoint added.');
        await refresh();
      }),
    },
    url.row,
    events.group,
    h('div', { class: 'actions' }, h('label', { class: 'check' }, enabled, 'Enabled'), add),
  );

  /** The secret of `endpoint`, the one time the API shows it. */
  function showSecret(endpoint: WebhookEndpointWithSecret, what: string): void {
    created.replaceChildren(
      h('p', {}, h('strong', {}, `${what}: the signing secret of ${endpoint.url}. `), 'Copy it now: it will not be shown again.'),
      h('code', { class: 'secret' }, endpoint.secret),
      h(
        'button',
        {
          type: 'button',
          async onclick() {
            await copy(endpoint.secret, 'Webhook secret copied to the clipboard.');
          },
        },
        'Copy secret',
      ),
      h('p', { class: 'muted' }, 'Your receiver checks each delivery’s webhook-signature header with it (Standard Webhooks).'),
    );
    created.hidden = false;
  }

  /** A button that runs `action` with itself busy and shows a failure in the section's alert. */
  function actionButton(label: string, action: () => Promise<void>, question?: string): HTMLButtonElement {
    const button = h(
      'button',
      {
        type: 'button',
        async onclick() {
          if (question && !confirm(question)) return;
          alert.clear();
          setBusy(button, true);
          try {
            await action();
          } catch (error) {
            alert.show(error);
          } finally {
            setBusy(button, false);
          }
        },
      },
      label,
    );
    return button;
  }

  function row(endpoint: WebhookEndpoint): HTMLElement {
    const choices = eventChoices('Events', endpoint.events);
    const save = actionButton('Save events', async () => {
      const chosen = choices.chosen();
      if (chosen.length === 0) throw noEventChosen();
      await api.updateWebhookEndpoint(endpoint.id, { events: chosen });
      say('Events saved.');
      await refresh();
    });
    const toggle = actionButton(endpoint.enabled ? 'Disable' : 'Enable', async () => {
      await api.updateWebhookEndpoint(endpoint.id, { enabled: !endpoint.enabled });
      say(endpoint.enabled ? 'Endpoint disabled: it gets no new deliveries.' : 'Endpoint enabled.');
      await refresh();
    });
    const rotate = actionButton(
      'Rotate secret',
      async () => {
        showSecret(await api.rotateWebhookSecret(endpoint.id), 'Secret rotated');
        say('Secret rotated.');
        await refresh();
      },
      `Rotate the secret of ${endpoint.url}? Deliveries are signed with the new one from now on, retries included.`,
    );
    const remove = dangerButton('Delete', `Delete the endpoint ${endpoint.url} and its delivery log?`, alert, async () => {
      alert.clear();
      await api.deleteWebhookEndpoint(endpoint.id);
      say('Endpoint deleted.');
      await refresh();
    });
    let log = logs.get(endpoint.id);
    if (!log) {
      log = deliveryLog(context, endpoint.id, alert);
      logs.set(endpoint.id, log);
    }
    const state = endpoint.enabled ? 'enabled' : 'disabled';
    return h(
      'li',
      { class: `endpoint ${state}`, 'aria-label': `Endpoint ${endpoint.url}` },
      h(
        'div',
        { class: 'endpoint-head' },
        h('code', { class: 'endpoint-url' }, endpoint.url),
        h('span', { class: `status ${state}` }, endpoint.enabled ? 'Enabled' : 'Disabled'),
      ),
      h('p', { class: 'muted' }, `Added ${formatTime(endpoint.created_at)}, changed ${formatTime(endpoint.updated_at)}.`),
      h('div', { class: 'endpoint-events' }, choices.group, save),
      h('div', { class: 'actions' }, toggle, rotate, remove),
      log.element,
    );
  }

  async function refresh(): Promise<void> {
    try {
      const endpoints = await api.listWebhookEndpoints();
      for (const id of logs.keys()) if (!endpoints.some((endpoint) => endpoint.id === id)) logs.delete(id);
      list.replaceChildren(
        endpoints.length === 0
          ? h('p', { class: 'muted' }, 'No endpoints yet. Add one to hear when your images are ready, rejected, deleted or expired.')
          : h('ul', { class: 'endpoints' }, ...endpoints.map(row)),
      );
    } catch (error) {
      alert.show(error);
    }
  }

  const section = h(
    'section',
    { class: 'card webhooks', 'aria-labelledby': 'webhooks-title' },
    h('h2', { id: 'webhooks-title' }, 'Webhooks'),
    h('p', { class: 'muted' }, 'Imager POSTs a signed JSON event to each endpoint that wants it, and tries again for about a day if it does not answer 2xx. At most 10 endpoints.'),
    alert.box,
    form,
    created,
    list,
  );
  return { section, refresh };
}
