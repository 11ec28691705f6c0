// CloudFront Function (runtime cloudfront-js-2.0), viewer request, on the delivery
// distribution's default behavior. It runs before the cache for every view, so it stays tiny:
// no object lookups, no allocation beyond the answer. Kept in its own file (deployed as is by
// lib/delivery.ts, unit-tested in node's vm by test/unit/cloudfront-image-request.test.ts) so the
// transforms issue can extend it.
//
// - `/image/<22-char id>` (the public URL, SPEC §11) -> the S3 key `/images/<id>`.
// - Any other path -> 404 in the JSON envelope, answered here: the bucket is never asked, so
//   neither `uploads/` nor anything else outside `images/` can be reached through the CDN.
// - Any query string parameter on an image path -> 400 in the envelope: transforms (SPEC §12) are not built yet,
//   and junk parameters must not become distinct cache entries or reach the origin.

var IMAGE_PATH = /^\/image\/([A-Za-z0-9_-]{22})$/;
var MAX_NAME_IN_MESSAGE = 64;

function errorResponse(statusCode, statusDescription, message) {
  return {
    statusCode: statusCode,
    statusDescription: statusDescription,
    headers: {
      'content-type': { value: 'application/json; charset=utf-8' },
      // Errors may change meaning (an id that is pending now, parameters once transforms
      // exist): never cached by browsers. CloudFront never caches function answers.
      'cache-control': { value: 'no-store' },
      'x-content-type-options': { value: 'nosniff' },
      'access-control-allow-origin': { value: '*' },
    },
    body: { encoding: 'text', data: JSON.stringify({ status: 'error', message: message }) },
  };
}

function handler(event) {
  var request = event.request;
  var match = IMAGE_PATH.exec(request.uri);
  if (!match) return errorResponse(404, 'Not Found', 'Not found');
  var names = Object.keys(request.querystring || {});
  if (names.length > 0) {
    var name = names[0];
    if (name.length > MAX_NAME_IN_MESSAGE) name = name.slice(0, MAX_NAME_IN_MESSAGE) + '...';
    return errorResponse(400, 'Bad Request', 'Unsupported query parameter "' + name + '": image URLs take no parameters');
  }
  request.uri = '/images/' + match[1];
  return request;
}
