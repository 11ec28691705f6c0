import type { Image } from './api';
import type { ConsoleContext } from './context';
import { formatBytes, formatTime, h } from './dom';
import { withPlaceholder } from './placeholder';
import { alertBox, copy, dangerButton, type Section, say } from './ui';

/** The images section: the uploader (web/src/uploader.ts), thumbnails with copy URL and delete, more by page. */
export function gallerySection(context: ConsoleContext, onChange: () => void): Section {
  const { api, config } = context;
  const alert = alertBox();
  const grid = h('ul', { class: 'gallery', 'aria-label': 'Your images' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const drop = h('div', { class: 'uploader', role: 'group', 'aria-label': 'Upload images' });
  let changed = false;
  // Uppy is most of the console's code: loaded with the first signed-in view, not on the sign-in pages.
  // Its image routes are the console's own, with the session (docs/accounts-and-console.md).
  void import('./uploader').then(({ createUploader }) =>
    createUploader(drop, api, {
      maxFileBytes: config.maxLargeImageBytes,
      onSettled(image) {
        if (image.state === 'ready') changed = true;
      },
      async onComplete() {
        if (!changed) return;
        changed = false;
        await load(true);
        onChange();
      },
    }),
  );
  let cursor: string | null = null;

  function card(image: Image): HTMLElement {
    const remove = dangerButton('Delete', 'Delete this image? Its URL will stop working.', alert, async () => {
      await api.deleteImage(image.id);
      li.remove();
      say('Image deleted.');
      onChange();
    });
    // Only a ready image has dimensions, format and size; a pending one shows its state.
    const details = image.state === 'ready' ? [`${image.width}×${image.height}`, image.format, formatBytes(image.size)].join(' · ') : '';
    // Thumbnails: the image URL itself (a transform URL is one change here: docs/accounts-and-console.md).
    const li = h(
      'li',
      { class: 'image', 'aria-label': `Image ${image.id}` },
      h('a', { href: image.url, target: '_blank', rel: 'noopener' }, withPlaceholder(h('img', { src: image.url, alt: `Image ${image.id}`, loading: 'lazy', decoding: 'async' }), image)),
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
    empty,
    grid,
    more,
  );
  return { section, refresh: () => load(true) };
}
