// CloudFront Function (cloudfront-js-2.0), viewer response, /image/*.
//
// `format=auto` is resolved from Accept at the edge and folded into the cache key, so the cache
// itself never varies; browsers and any shared cache after us must still know the answer depended
// on Accept. S3 cannot store a Vary header with an object, so it is added here, on the way out.
// The request this function sees is the one the viewer-request function returned (query folded
// away), so that function leaves a marker header, `x-imager-auto`; a query with `format=auto`
// counts too, should the request ever arrive as the viewer sent it.
function handler(event) {
  var response = event.response;
  var request = event.request || {};
  var auto = Boolean(request.headers && request.headers['x-imager-auto']);
  var format = request.querystring && request.querystring.format;
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
