import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../functions/core/errors';
import { type MultipartLimits, type ParsedUpload, parseImageUpload } from '../../functions/transport/multipart';
import { fixture, multipart } from './support/fakes';

const B = '----imagerBoundary7MA4YWxkTrZu0gW';
const CT = `multipart/form-data; boundary=${B}`;
const LIMITS: MultipartLimits = { maxFileBytes: 64 * 1024 };
const PNG = fixture('sample.png');

type Outcome = { ok: ParsedUpload; error?: undefined } | { ok?: undefined; error: unknown };

/** Calls the parser, proving it never throws synchronously, and waits for it to settle. */
async function parse(body: Buffer, contentType: string | undefined, limits: MultipartLimits = LIMITS): Promise<Outcome> {
  let promise: Promise<ParsedUpload> | undefined;
  expect(() => {
    promise = parseImageUpload(body, contentType, limits);
  }).not.toThrow();
  expect(promise).toBeInstanceOf(Promise);
  return promise!.then(
    (ok) => ({ ok }),
    (error: unknown) => ({ error }),
  );
}

async function refused(body: Buffer, contentType: string | undefined, limits: MultipartLimits = LIMITS): Promise<HttpError> {
  const outcome = await parse(body, contentType, limits);
  expect(outcome.ok).toBeUndefined();
  expect(outcome.error).toBeInstanceOf(HttpError);
  return outcome.error as HttpError;
}

const imagePart = (data: Buffer = PNG) => ({ name: 'image', filename: 'sample.png', contentType: 'image/png', data });

describe('parseImageUpload: accepted', () => {
  it('returns the file bytes, name and declared type', async () => {
    const { ok } = await parse(multipart(B, [imagePart()]), CT);
    expect(ok).toBeDefined();
    expect(ok!.file.bytes.equals(PNG)).toBe(true);
    expect(ok!.file.filename).toBe('sample.png');
    expect(ok!.file.declaredType).toBe('image/png');
    expect({ ...ok!.fields }).toEqual({});
  });

  it('accepts a quoted boundary and a differently cased content type', async () => {
    const { ok } = await parse(multipart(B, [imagePart()]), `Multipart/Form-Data; boundary="${B}"`);
    expect(ok!.file.bytes.equals(PNG)).toBe(true);
  });

  it('keeps extra text fields, including one named "files"', async () => {
    const body = multipart(B, [
      { name: 'title', data: 'holiday' },
      imagePart(),
      { name: 'files', data: 'not a file' },
    ]);
    const { ok } = await parse(body, CT);
    expect(ok!.file.bytes.equals(PNG)).toBe(true);
    expect({ ...ok!.fields }).toEqual({ title: 'holiday', files: 'not a file' });
  });

  it('accepts a file exactly at the size limit', async () => {
    const data = Buffer.alloc(1000, 7);
    const { ok } = await parse(multipart(B, [imagePart(data)]), CT, { maxFileBytes: 1000 });
    expect(ok!.file.bytes.equals(data)).toBe(true);
  });

  it('keeps binary content with CRLF and boundary-like sequences byte for byte', async () => {
    const tricky = Buffer.concat([
      Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x0d, 0x0a, 0x20]),
      Buffer.from(`--${B}`), // the boundary without the CRLF that would make it a delimiter
      Buffer.from(`\r\n--${B.slice(0, -1)}`), // CRLF + all of the boundary but its last byte
      Buffer.from('\r\n--\r\n\r\n'),
      Buffer.from([0x0d]),
      PNG,
      Buffer.from('\r\n'),
    ]);
    const { ok } = await parse(multipart(B, [imagePart(tricky)]), CT);
    expect(ok!.file.bytes.equals(tricky)).toBe(true);
  });

  it('property: bytes in equal bytes out for any content not containing the delimiter', async () => {
    const fragment = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      fc.constantFrom('\r\n', '\r', '\n', '--', `--${B}`, `--${B}--`, `\r\n-${B}`, `\r\n--${B.slice(0, 10)}`).map((s) => Buffer.from(s)),
    );
    const delimiter = Buffer.from(`\r\n--${B}`);
    await fc.assert(
      fc.asyncProperty(fc.array(fragment, { maxLength: 24 }), async (fragments) => {
        const data = Buffer.concat(fragments);
        // A client picks a boundary whose delimiter appears nowhere in the part, counting the CRLF
        // that ends the part headers before the data and the delimiter that follows it.
        const framed = Buffer.concat([Buffer.from('\r\n'), data, delimiter]);
        fc.pre(framed.indexOf(delimiter) === 2 + data.byteLength);
        const { ok, error } = await parse(multipart(B, [imagePart(data)]), CT);
        expect(error).toBeUndefined();
        expect(ok!.file.bytes.equals(data)).toBe(true);
      }),
      { numRuns: 150, seed: 20261126 },
    );
  });
});

describe('parseImageUpload: refused with a typed 4xx', () => {
  it('a truncated body (cut inside the file) -> 400', async () => {
    const full = multipart(B, [imagePart()]);
    const error = await refused(full.subarray(0, 300), CT);
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/multipart/i);
  });

  it('a body without its closing delimiter -> 400', async () => {
    const error = await refused(multipart(B, [imagePart()], { close: false }), CT);
    expect(error.statusCode).toBe(400);
  });

  it('a body cut inside the part headers -> 400', async () => {
    const error = await refused(multipart(B, [imagePart()]).subarray(0, B.length + 20), CT);
    expect(error.statusCode).toBe(400);
  });

  // The counterexample fast-check found (test/fuzz): a part without its blank line took the
  // next part's file under its own name and type.
  it('a part without the blank line after its headers -> 400, not the next part\'s file', async () => {
    const body = Buffer.concat([
      Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="image"; filename="photo.png"\r\nContent-Type: image/png\r\n`),
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\r\n'),
      Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="note"; filename="x.html"\r\n\r\n`),
      PNG,
      Buffer.from(`\r\n--${B}--\r\n`),
    ]);
    const error = await refused(body, CT);
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('Malformed multipart/form-data body: a part has no blank line after its headers');
  });

  it('a part of headers only, its blank line missing before the next delimiter -> 400', async () => {
    const body = Buffer.concat([
      Buffer.from(`--${B}\r\nX-Note: a\r\n\r\n--${B}\r\n`),
      Buffer.from('Content-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n'),
      PNG,
      Buffer.from(`\r\n--${B}--\r\n`),
    ]);
    const error = await refused(body, CT);
    expect(error.message).toBe('Malformed multipart/form-data body: a part has no blank line after its headers');
  });

  it.each([
    ['the opening', (png: Buffer) => Buffer.concat([Buffer.from(`--${B}XY\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n`), png, Buffer.from(`\r\n--${B}--\r\n`)])],
    [
      'a later',
      (png: Buffer) =>
        Buffer.concat([
          Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n--${B}XY`),
          Buffer.from('Content-Disposition: form-data; name="image"; filename="a.png"\r\n\r\n'),
          png,
          Buffer.from(`\r\n--${B}--\r\n`),
        ]),
    ],
  ])('%s delimiter line with more than the boundary -> 400', async (_, build) => {
    const error = await refused(build(PNG), CT);
    expect(error.message).toBe('Malformed multipart/form-data body: a boundary line holds more than the boundary');
  });

  it('an empty field and an empty ignored part before the image are still read in place', async () => {
    const body = Buffer.concat([
      Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="title"\r\n\r\n\r\n`),
      Buffer.from(`--${B}\r\nX-Note: skipped\r\n\r\n\r\n`),
      multipart(B, [imagePart()]),
    ]);
    const { ok } = await parse(body, CT);
    expect(ok!.file.bytes.equals(PNG)).toBe(true);
    expect({ ...ok!.fields }).toEqual({ title: '' });
  });

  it('a wrong boundary -> 400', async () => {
    const error = await refused(multipart('someOtherBoundary', [imagePart()]), CT);
    expect(error.statusCode).toBe(400);
  });

  it('no boundary parameter -> 400', async () => {
    const error = await refused(multipart(B, [imagePart()]), 'multipart/form-data');
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/boundary|content type/i);
  });

  it('an empty boundary parameter -> 400', async () => {
    const error = await refused(multipart(B, [imagePart()]), 'multipart/form-data; boundary=');
    expect(error.statusCode).toBe(400);
  });

  it('an empty body -> 400', async () => {
    const error = await refused(Buffer.alloc(0), CT);
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/empty/i);
  });

  it.each([undefined, '', 'application/json', 'image/png', 'text/plain; boundary=x', 'multipart/mixed; boundary=x'])(
    'a non-multipart content type (%s) -> 400',
    async (contentType) => {
      const error = await refused(multipart(B, [imagePart()]), contentType);
      expect(error.statusCode).toBe(400);
      expect(error.message).toContain('multipart/form-data');
    },
  );

  it('two files in the field "image" -> 400', async () => {
    const error = await refused(multipart(B, [imagePart(), imagePart()]), CT);
    expect(error.statusCode).toBe(400);
    expect(error.message).toMatch(/exactly one file/);
  });

  it('a second file in another field -> 400', async () => {
    const error = await refused(multipart(B, [imagePart(), { ...imagePart(), name: 'other' }]), CT);
    expect(error.statusCode).toBe(400);
  });

  it('a file in a field named "files" -> 400 naming the field', async () => {
    const error = await refused(multipart(B, [{ ...imagePart(), name: 'files' }]), CT);
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('"files"');
  });

  it('a file in a field other than "image" -> 400', async () => {
    const error = await refused(multipart(B, [{ ...imagePart(), name: 'photo' }]), CT);
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain('"image"');
  });

  it('no file at all -> 400', async () => {
    const error = await refused(multipart(B, [{ name: 'title', data: 'no image here' }]), CT);
    expect(error.statusCode).toBe(400);
    expect(error.message).toBe('No image file in the field "image"');
  });

  it('a 100 KB part header line -> 400', async () => {
    const body = multipart(B, [{ ...imagePart(), extraHeaders: `X-Padding: ${'a'.repeat(100 * 1024)}\r\n` }]);
    const error = await refused(body, CT);
    expect(error.statusCode).toBe(400);
  });

  it('a 100 KB file name -> 400', async () => {
    const error = await refused(multipart(B, [{ ...imagePart(), filename: 'x'.repeat(100 * 1024) }]), CT);
    expect(error.statusCode).toBe(400);
  });

  it('thousands of part headers -> 400', async () => {
    const headers = Array.from({ length: 3000 }, (_, i) => `X-H${i}: v\r\n`).join('');
    const error = await refused(multipart(B, [{ ...imagePart(), extraHeaders: headers }]), CT);
    expect(error.statusCode).toBe(400);
  });

  it('a file over the limit -> 413 naming the limit', async () => {
    const error = await refused(multipart(B, [imagePart(Buffer.alloc(1001))]), CT, { maxFileBytes: 1000 });
    expect(error.statusCode).toBe(413);
    expect(error.message).toContain('1000 bytes');
  });

  it('an oversized text field -> 413', async () => {
    const body = multipart(B, [{ name: 'title', data: 'x'.repeat(2000) }, imagePart()]);
    const error = await refused(body, CT, { maxFileBytes: 64 * 1024, maxFieldBytes: 1000 });
    expect(error.statusCode).toBe(413);
  });

  it('too many fields -> 400', async () => {
    const fields = Array.from({ length: 30 }, (_, i) => ({ name: `f${i}`, data: 'v' }));
    const error = await refused(multipart(B, [...fields, imagePart()]), CT);
    expect(error.statusCode).toBe(400);
  });

  it('garbage bytes -> 400', async () => {
    const error = await refused(Buffer.from('this is not multipart at all'), CT);
    expect(error.statusCode).toBe(400);
  });

  it('property: any bytes with a multipart content type settle as a file or a typed 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }).map((bytes) => Buffer.from(bytes)),
          fc
            .tuple(fc.nat(2000), fc.uint8Array({ maxLength: 32 }))
            .map(([cut, junk]) => {
              const body = multipart(B, [imagePart()]);
              return Buffer.concat([body.subarray(0, cut % (body.byteLength + 1)), Buffer.from(junk)]);
            }),
        ),
        async (body) => {
          const { ok, error } = await parse(body, CT);
          const typed4xx = error instanceof HttpError && (error.statusCode === 400 || error.statusCode === 413);
          const parsed = error === undefined && Buffer.isBuffer(ok?.file.bytes);
          expect(typed4xx || parsed).toBe(true);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});
