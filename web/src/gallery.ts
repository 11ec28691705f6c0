import type { Image } from './api';
import type { Claims } from './auth';
import { withKey } from './console-key';
import type { ConsoleContext } from './context';
import { formatBytes, formatTime, h } from './dom';
import { withPlaceholder } from './placeholder';
import { alertBox, copy, dangerButton, type Section, say } from './ui';
import type { UploaderApi } from './uploader';

/** The images section: the uploader (web/src/uploader.ts), thumbnails with copy URL and delete, more by page. */
export function gallerySection(context: ConsoleContext, user: Claims, onChange: () => void): Section {
  const { api, config } = context;
  const alert = alertBox();
  const grid = h('ul', { class: 'gallery', 'aria-label': 'Your images' });
  const more = h('button', { type: 'button', hidden: true }, 'Load more');
  const drop = h('div', { class: 'uploader', role: 'group', 'aria-label': 'Upload images' });
  let changed = false;
  // Uppy is most of the console's code: loaded with the first signed-in view, not on the sign-in pages.
  void import('./uploader').then(({ createUploader }) =>
    createUploader(drop, uploaderApi(context, user), {
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
      await withKey(api, user, (key) => api.deleteImage(key, image.id));
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
      const page = await withKey(api, user, (key) => api.listImages(key, reset ? undefined : (cursor ?? undefined)));
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

/** The image routes the uploader needs, called with the console's credentials. */
function uploaderApi({ api }: ConsoleContext, user: Claims): UploaderApi {
  return {
    startUpload: (size, contentType, partSize) => withKey(api, user, (key) => api.startUpload(key, size, contentType, partSize)),
    signUploadParts: (id, numbers) => withKey(api, user, (key) => api.signUploadParts(key, id, numbers)),
    listUploadParts: (id) => withKey(api, user, (key) => api.listUploadParts(key, id)),
    completeUpload: (id, parts) => withKey(api, user, (key) => api.completeUpload(key, id, parts)),
    abortUpload: (id) => withKey(api, user, (key) => api.abortUpload(key, id)),
    getImage: (id) => withKey(api, user, (key) => api.getImage(key, id)),
  };
}
