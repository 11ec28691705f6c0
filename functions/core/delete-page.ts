import type { ImageRecord } from './images';

/**
 * The pages of a delete link (core/delete-links.ts): the confirmation a GET shows, whose form
 * POSTs to the same link, and the answers to that POST. Plain HTML with no script and no
 * resource from anywhere: the page's policy allows nothing but its own inline style and a form
 * that posts back to itself.
 */

/** Headers of every delete-link page: never cached or framed, the link never sent on as a Referer. */
export const DELETE_PAGE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'text/html; charset=utf-8',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

const STYLE = 'body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#1b1f24}' +
  'button{font:inherit;padding:.5rem 1.25rem;border:0;border-radius:.375rem;background:#b42318;color:#fff;cursor:pointer}' +
  'dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{color:#57606a}dd{margin:0;word-break:break-all}';

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<meta name="robots" content="noindex"><title>${escape(title)} · Imager</title><style>${STYLE}</style></head>` +
    `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

/** The confirmation: what will be deleted, and the one button that does it. */
export function confirmationPage(record: ImageRecord): string {
  const rows: Array<[string, string | undefined]> = [
    ['Image', record.id],
    // Read by a person, not a program: minutes in UTC and a size in KiB or MiB beside the bytes.
    ['Uploaded', `${record.createdAt.slice(0, 10)} ${record.createdAt.slice(11, 16)} UTC`],
    ['Format', record.format],
    ['Size', record.size === undefined ? undefined : readableSize(record.size)],
    ['Dimensions', record.width === undefined ? undefined : `${record.width} × ${record.height}`],
  ];
  const details = rows
    .filter((row): row is [string, string] => row[1] !== undefined)
    .map(([name, value]) => `<dt>${escape(name)}</dt><dd>${escape(value)}</dd>`)
    .join('');
  return page(
    'Delete this image?',
    `<p>Anyone with this link can delete the image. Deleting it cannot be undone: its URL stops working.</p><dl>${details}</dl>` +
      `<form method="post"><button type="submit">Delete</button></form>`,
  );
}

function readableSize(bytes: number): string {
  const exact = `${bytes.toLocaleString('en-US')} bytes`;
  if (bytes < 1024) return exact;
  const [value, unit] = bytes < 1024 * 1024 ? [bytes / 1024, 'KiB'] : [bytes / (1024 * 1024), 'MiB'];
  return `${value.toFixed(1)} ${unit} (${exact})`;
}

export function deletedPage(): string {
  return page('Image deleted', '<p>The image and its URL are gone.</p>');
}

export function invalidLinkPage(): string {
  return page('Not a valid delete link', '<p>This link deletes nothing: the image was deleted already, or the link is not complete.</p>');
}
