import { thumbHashToDataURL } from 'thumbhash';

/**
 * The blurred placeholder of an image while its thumbnail loads: its ThumbHash (the `thumbhash`
 * of the image object, docs/apps.md) decoded to a small PNG data URL. Undefined when the image has
 * none yet (analysed moments after it is stored) or the hash cannot be read.
 */
export function placeholderUrl(thumbhash: string | null | undefined): string | undefined {
  if (!thumbhash) return undefined;
  try {
    return thumbHashToDataURL(Uint8Array.from(atob(thumbhash), (c) => c.charCodeAt(0)));
  } catch {
    return undefined;
  }
}

/**
 * Shows the placeholder behind `img` (cropped like the thumbnail) until the thumbnail has
 * loaded, then takes it away; the dominant colour stands in where there is no ThumbHash yet.
 */
export function withPlaceholder(img: HTMLImageElement, image: { readonly thumbhash?: string | null; readonly dominant_color?: string | null }): HTMLImageElement {
  const url = placeholderUrl(image.thumbhash);
  if (url) img.style.backgroundImage = `url("${url}")`;
  if (image.dominant_color) img.style.backgroundColor = image.dominant_color;
  img.classList.add('placeholder');
  const done = () => img.classList.remove('placeholder');
  if (img.complete && img.naturalWidth > 0) done();
  else img.addEventListener('load', done, { once: true });
  return img;
}
