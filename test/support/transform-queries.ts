import fc from 'fast-check';

/** Queries of transform URLs for property tests: mostly nonsense, sometimes valid. */
export const junkQuery = fc
  .array(
    fc.tuple(
      fc.oneof(fc.constantFrom('w', 'h', 'fit', 'format', 'q', 'W', 'width', 'x', '', 'q ', '__proto__'), fc.string({ maxLength: 4 })),
      fc.oneof(
        fc.integer({ min: -5, max: 5000 }).map(String),
        fc.constantFrom('inside', 'cover', 'contain', 'fill', 'jpeg', 'png', 'webp', 'avif', 'auto', 'gif', '', '01', '1.0', '%', '%41'),
        fc.string({ maxLength: 5 }),
      ),
    ),
    { minLength: 1, maxLength: 6 },
  )
  .map((pairs) => pairs.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&'));

/** Any subset of the five parameters with valid values. */
export const validParams = fc.record(
  {
    w: fc.integer({ min: 1, max: 4096 }),
    h: fc.integer({ min: 1, max: 4096 }),
    fit: fc.constantFrom('inside', 'cover', 'contain'),
    format: fc.constantFrom('jpeg', 'png', 'webp', 'avif', 'auto'),
    q: fc.integer({ min: 1, max: 100 }),
  },
  { requiredKeys: [] },
);

/** A valid query in any order, sometimes with raw (unencoded) or percent-encoded spellings. */
export const validQuery = fc
  .tuple(validParams, fc.func(fc.integer()))
  .filter(([params]) => Object.keys(params).length > 0)
  .map(([params, key]) =>
    Object.entries(params)
      .map(([k, v]) => `${k}=${String(v)}`)
      .sort((a, b) => key(a) - key(b) || a.localeCompare(b))
      .join('&'),
  );

/** Accept headers browsers and tools send. */
export const acceptHeader = fc.constantFrom(
  undefined,
  'image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8',
  'image/webp,*/*',
  'image/avif;q=0,image/webp;q=0.9',
  '*/*',
  'text/html',
  'IMAGE/AVIF',
);
