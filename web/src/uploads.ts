import type { Image } from './api';
import type { ConsoleContext } from './context';
import { formatBytes, h } from './dom';
import { errorText } from './ui';

/** How long an image may stay pending before the console stops waiting (its checks run after the bytes land). */
const SETTLE_ATTEMPTS = 60;
const SETTLE_INTERVAL_MS = 1000;

/**
 * Uploads one file with a progress row in `list`: straight to the API when it is small enough,
 * else through the presigned flow (start, send to storage, wait until the image is checked).
 * A failure stays listed, in words; a success goes away after a moment.
 */
export async function uploadFile(context: ConsoleContext, file: File, list: HTMLElement): Promise<void> {
  const { api, config } = context;
  const bar = h('progress', { max: 100, value: 0, 'aria-label': `Uploading ${file.name}` });
  const status = h('span', { class: 'muted' }, 'Starting…');
  const item = h('li', {}, h('span', { class: 'file' }, file.name), bar, status);
  list.append(item);
  const onProgress = (loaded: number, total: number): void => {
    bar.value = Math.round((loaded / total) * 100);
    status.textContent = `${formatBytes(loaded)} of ${formatBytes(total)}`;
  };
  try {
    if (file.size > config.maxLargeImageBytes) throw new Error(`${file.name} is larger than ${formatBytes(config.maxLargeImageBytes)}.`);
    if (file.size <= config.maxImageBytes) {
      await api.uploadDirect(file, onProgress);
    } else {
      const started = await api.startUpload(file.size, file.type);
      await api.sendToStorage(started, file, onProgress);
      status.textContent = 'Checking…';
      const image = await waitUntilSettled(context, started.id);
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

async function waitUntilSettled({ api }: ConsoleContext, id: string): Promise<Image> {
  for (let attempt = 0; attempt < SETTLE_ATTEMPTS; attempt += 1) {
    const image = await api.getImage(id);
    if (image.state !== 'pending') return image;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_INTERVAL_MS));
  }
  throw new Error('The upload is still being checked; it will appear in the gallery when it is ready.');
}
