import type { Image } from './api';
import type { ConsoleContext } from './context';
import { formatBytes, formatTime, h } from './dom';
import { alertBox, copy, dangerButton, type Section, say } from './ui';
import { uploadFile } from './uploads';

/** The images section: upload by picking or dropping files, thumbnails with copy URL and delete, more by page. */
export function gallerySection(context: ConsoleContext, onChange: () => void): Section {
  const { api, config } = context;
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
    for (const file of files) await uploadFile(context, file, progress);
    await load(true);
    onChange();
  }

  function card(image: Image): HTMLElement {
    const remove = dangerButton('Delete', 'Delete this image? Its URL will stop working.', alert, async () => {
      await api.deleteImage(image.id);
      li.remove();
      say('Image deleted.');
      onChange();
    });
    // Only a ready image has dimensions, format and size; a pending one shows its state.
    const details = image.state === 'ready' ? [`${image.width}×${image.height}`, image.format, formatBytes(image.size)].join(' · ') : '';
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
      const page = await api.listImages(reset ? undefined : (cursor ?? undefined));
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
