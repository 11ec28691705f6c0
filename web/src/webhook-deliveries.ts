import { ApiError, type WebhookDelivery } from './api';
import type { ConsoleContext } from './context';
import { formatTime, h } from './dom';
import { type AlertBox, say, setBusy } from './ui';

/** How often a log showing a delivery about to be tried is asked again. */
const POLL_MS = 2000;
/** A pending delivery whose next attempt is further off than this is not waited for. */
const POLL_AHEAD_MS = 60_000;

const STATUS_WORDS: Readonly<Record<WebhookDelivery['status'], string>> = { pending: 'Pending', succeeded: 'Succeeded', failed: 'Failed' };

/** One endpoint's delivery log, and how to load it again. */
export interface DeliveryLog {
  readonly element: HTMLElement;
  refresh(): Promise<void>;
}

/** What the endpoint last answered, in words: its error, its status, or nothing yet. */
function lastAnswer(delivery: WebhookDelivery): string {
  if (delivery.last_error) return delivery.last_error;
  if (delivery.last_status_code !== null) return `HTTP ${delivery.last_status_code}`;
  return '—';
}

/**
 * An endpoint's delivery log (docs/webhooks.md), folded until opened: a page of deliveries at a
 * time, newest first, with "Load more"; a finished delivery has a Redeliver button. While a
 * delivery on the first page is about to be tried, the log asks again every few seconds, so a
 * redelivery's outcome shows without a reload. Failures go to the section's `alert`.
 */
export function deliveryLog({ api }: ConsoleContext, endpointId: string, alert: AlertBox): DeliveryLog {
  const list = h('ul', { class: 'deliveries' });
  const empty = h('p', { class: 'muted', hidden: true }, 'No deliveries yet. Each event this endpoint wants shows here.');
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const reload = h('button', { type: 'button' }, 'Refresh');
  const element = h(
    'details',
    { class: 'deliveries' },
    h('summary', {}, 'Delivery log'),
    h('div', { class: 'log-body' }, reload, empty, list, more),
  );
  let cursor: string | null = null;
  let loaded = false;
  /** Answers of an older load are dropped when a newer one was asked for. */
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  function row(delivery: WebhookDelivery): HTMLElement {
    const again =
      delivery.status === 'pending'
        ? null
        : h(
            'button',
            {
              type: 'button',
              async onclick() {
                alert.clear();
                setBusy(again!, true);
                try {
                  await api.redeliverWebhook(endpointId, delivery.id);
                  say(`Delivery ${delivery.id} queued again.`);
                } catch (error) {
                  alert.show(
                    error instanceof ApiError && error.status === 409
                      ? new Error(`Delivery ${delivery.id} is still being tried: it can be redelivered once it has succeeded or failed.`)
                      : error,
                  );
                } finally {
                  setBusy(again!, false);
                }
                await refresh();
              },
            },
            'Redeliver',
          );
    return h(
      'li',
      { class: `delivery ${delivery.status}`, 'aria-label': `Delivery ${delivery.id}` },
      h('div', { class: 'delivery-name' }, h('strong', {}, delivery.type), ' ', h('code', {}, delivery.id), h('span', { class: 'muted' }, ` ${formatTime(delivery.created_at)}`)),
      h(
        'dl',
        { class: 'key-meta' },
        h('div', {}, h('dt', {}, 'Status'), h('dd', { class: `status ${delivery.status}` }, STATUS_WORDS[delivery.status])),
        h('div', {}, h('dt', {}, 'Attempts'), h('dd', {}, String(delivery.attempts))),
        h('div', {}, h('dt', {}, 'Last answer'), h('dd', {}, lastAnswer(delivery))),
        h('div', {}, h('dt', {}, 'Next attempt'), h('dd', {}, delivery.next_attempt_at ? formatTime(delivery.next_attempt_at) : '—')),
      ),
      again,
    );
  }

  /** Asks again soon when a delivery shown first is about to be tried (a redelivery, a near retry). */
  function watch(deliveries: readonly WebhookDelivery[]): void {
    const soon = deliveries.some(
      (delivery) => delivery.status === 'pending' && (!delivery.next_attempt_at || Date.parse(delivery.next_attempt_at) - Date.now() < POLL_AHEAD_MS),
    );
    if (soon) timer = setTimeout(() => void (element.isConnected && element.open ? refresh() : undefined), POLL_MS);
  }

  async function load(from: string | null): Promise<void> {
    const mine = ++generation;
    if (from === null && timer) clearTimeout(timer);
    try {
      const page = await api.listWebhookDeliveries(endpointId, from ?? undefined);
      if (mine !== generation) return;
      const rows = page.deliveries.map(row);
      if (from === null) list.replaceChildren(...rows);
      else list.append(...rows);
      cursor = page.next_cursor;
      loaded = true;
      more.hidden = cursor === null;
      empty.hidden = list.childElementCount > 0;
      if (from === null) watch(page.deliveries);
    } catch (error) {
      alert.show(error);
    }
  }

  async function refresh(): Promise<void> {
    await load(null);
  }

  element.addEventListener('toggle', () => {
    if (element.open && !loaded) void refresh();
  });
  reload.addEventListener('click', async () => {
    alert.clear();
    setBusy(reload, true);
    await refresh();
    setBusy(reload, false);
  });
  more.addEventListener('click', async () => {
    if (cursor === null) return;
    setBusy(more, true);
    await load(cursor);
    setBusy(more, false);
  });
  return { element, refresh };
}
