import type { Export } from './api';
import type { ConsoleContext } from './context';
import { formatBytes, formatTime, h } from './dom';
import { alertBox, type Section, setBusy } from './ui';

/** How often a pending or building export is asked about. */
const POLL_MS = 2000;

/** The export section: a button that starts an export of every image, its state, and the download link once ready (docs/apps.md). */
export function exportSection({ api }: ConsoleContext): Section {
  const alert = alertBox();
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  const start = h('button', { type: 'button', class: 'primary' }, 'Export');
  let timer: ReturnType<typeof setTimeout> | undefined;

  function show(exported: Export | undefined): void {
    if (timer) clearTimeout(timer);
    if (!exported) {
      status.replaceChildren('No export yet.');
      return;
    }
    const since = `started ${formatTime(exported.created_at)}`;
    switch (exported.state) {
      case 'ready':
        status.replaceChildren(
          `Ready (${exported.image_count ?? 0} images, ${formatBytes(exported.size ?? 0)}): `,
          h('a', { href: exported.url ?? '#', download: `${exported.id}.zip` }, 'Download the zip'),
          ` (the link works until ${formatTime(exported.url_expires_at)}; the export is kept until ${formatTime(exported.expires_at)}).`,
        );
        return;
      case 'failed':
        status.replaceChildren(`The export failed: ${exported.reason ?? 'no reason given'}. Start another.`);
        return;
      case 'expired':
        status.replaceChildren(`The last export (${since}) has expired. Start another.`);
        return;
      default:
        status.replaceChildren(`Building your export (${since})…`);
        timer = setTimeout(() => void poll(exported.id), POLL_MS);
    }
  }

  async function poll(id: string): Promise<void> {
    try {
      show(await api.getExport(id));
    } catch (error) {
      alert.show(error);
    }
  }

  start.addEventListener('click', async () => {
    alert.clear();
    setBusy(start, true);
    try {
      show(await api.startExport());
    } catch (error) {
      alert.show(error);
    } finally {
      setBusy(start, false);
    }
  });

  const section = h(
    'section',
    { class: 'card export', 'aria-labelledby': 'export-title' },
    h('h2', { id: 'export-title' }, 'Export'),
    h('p', { class: 'muted' }, 'Take your images with you: a zip of every image, byte for byte as stored, and a JSON of their records.'),
    alert.box,
    start,
    status,
  );
  return {
    section,
    async refresh() {
      try {
        show((await api.listExports())[0]);
        alert.clear();
      } catch (error) {
        alert.show(error);
      }
    },
  };
}
