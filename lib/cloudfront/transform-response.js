// CloudFront Function (cloudfront-js-2.0), viewer response, behaviour `/image/*`.
//
// `format=auto` is resolved from Accept by transform-request.js and folded into the cache key,
// so the cache itself never varies; browsers and any shared cache after us must still know
// the answer depended on Accept. S3 cannot store a Vary header with an object, so it is added
// here, on the way out, only when the viewer asked for `auto`. (The request a viewer-response
// function sees is the one the viewer sent, before the viewer-request rewrite.)
function handler(event) {
  var response = event.response;
  var format = event.request.querystring && event.request.querystring.format;
  var auto = false;
  if (format) {
    var values = format.multiValue && format.multiValue.length > 0 ? format.multiValue : [format];
    for (var i = 0; i < values.length; i++) if (values[i].value === 'auto') auto = true;
  }
  if (auto && response.statusCode < 300) {
    var existing = response.headers.vary ? response.headers.vary.value : '';
    if (!/(^|,)\s*accept\s*(,|$)/i.test(existing)) {
      response.headers.vary = { value: existing ? existing + ', Accept' : 'Accept' };
    }
  }
  return response;
}
