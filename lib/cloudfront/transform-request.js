// CloudFront Function (cloudfront-js-2.0), viewer request, behaviour `/image/*`.
//
// /image/<id>              -> /images/<id>                       (the published original)
// /image/<id>?<transform>  -> /variants/<id>/<canonical>         (S3 first, the transform function on a miss)
// anything malformed       -> 400 / 404 in the JSON envelope, answered here without touching an origin
//
// The rules are those of functions/core/transform-params.ts (same checks, same order, same
// messages, same canonical name); test/unit/transform-request.test.ts runs this file in a
// node `vm` against that parser on generated queries. The query is folded into the path and
// removed, and `format=auto` is resolved here from Accept, so the cache key is the path alone:
// no query string or header in it, equal requests share one entry.
var NAMES = ['w', 'h', 'fit', 'format', 'q'];
var FITS = ['inside', 'cover', 'contain'];
var FORMATS = ['jpeg', 'png', 'webp', 'avif'];
var DEFAULT_QUALITY = { jpeg: 80, webp: 80, avif: 50 };
var IMAGE_PATH = /^\/image\/([A-Za-z0-9_-]{22})$/;
var INTEGER = /^[1-9][0-9]{0,5}$/;

function answer(status, description, message) {
  return {
    statusCode: status,
    statusDescription: description,
    headers: {
      'content-type': { value: 'application/json; charset=utf-8' },
      'access-control-allow-origin': { value: '*' },
      'x-content-type-options': { value: 'nosniff' },
      'cache-control': { value: 'no-store' },
    },
    body: { encoding: 'text', data: JSON.stringify({ status: 'error', message: message }) },
  };
}

function Invalid(message) {
  this.message = message;
}

function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch (e) {
    throw new Invalid('Malformed query string');
  }
}

function integerIn(name, value, max) {
  if (!INTEGER.test(value) || Number(value) > max) {
    throw new Invalid('Parameter ' + name + ' must be an integer from 1 to ' + max);
  }
  return Number(value);
}

function formatForAccept(accept) {
  var parts = (accept || '').split(',');
  var avif = false;
  var webp = false;
  for (var i = 0; i < parts.length; i++) {
    var pieces = parts[i].split(';');
    var type = pieces[0].trim().toLowerCase();
    var q = 1;
    for (var j = 1; j < pieces.length; j++) {
      var match = /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(pieces[j]);
      if (match) q = Number(match[1]);
    }
    if (q > 0 && type === 'image/avif') avif = true;
    if (q > 0 && type === 'image/webp') webp = true;
  }
  return avif ? 'avif' : webp ? 'webp' : 'original';
}

// The query as [name, [values...]], names and values decoded.
function groups(querystring) {
  var result = [];
  var index = {};
  var keys = Object.keys(querystring || {});
  for (var i = 0; i < keys.length; i++) {
    var entry = querystring[keys[i]];
    var values = entry.multiValue && entry.multiValue.length > 0 ? entry.multiValue.map(function (v) { return v.value; }) : [entry.value];
    var name = decode(keys[i]);
    for (var j = 0; j < values.length; j++) {
      var value = decode(values[j] === undefined ? '' : values[j]);
      if (Object.prototype.hasOwnProperty.call(index, name)) result[index[name]][1].push(value);
      else {
        index[name] = result.length;
        result.push([name, [value]]);
      }
    }
  }
  return result;
}

function canonical(querystring, accept) {
  var list = groups(querystring);
  // Among several problems the name that sorts first is reported (the parser's rule), so the
  // answer never depends on the order of the query object's keys.
  list.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
  var i;
  for (i = 0; i < list.length; i++) {
    if (NAMES.indexOf(list[i][0]) < 0) {
      throw new Invalid('Unknown parameter ' + JSON.stringify(list[i][0]) + '; allowed: w, h, fit, format, q');
    }
  }
  var seen = {};
  for (i = 0; i < list.length; i++) {
    if (list[i][1].length > 1) throw new Invalid('Parameter ' + list[i][0] + ' is repeated');
    seen[list[i][0]] = list[i][1][0];
  }
  var width = seen.w === undefined ? undefined : integerIn('w', seen.w, 4096);
  var height = seen.h === undefined ? undefined : integerIn('h', seen.h, 4096);
  if (seen.fit !== undefined && FITS.indexOf(seen.fit) < 0) {
    throw new Invalid('Parameter fit must be one of inside, cover, contain');
  }
  if (seen.format !== undefined && seen.format !== 'auto' && FORMATS.indexOf(seen.format) < 0) {
    throw new Invalid('Parameter format must be one of jpeg, png, webp, avif, auto');
  }
  var quality = seen.q === undefined ? undefined : integerIn('q', seen.q, 100);
  var format = seen.format === 'auto' ? formatForAccept(accept) : seen.format === undefined ? 'original' : seen.format;
  var fit = width !== undefined && height !== undefined && seen.fit !== undefined ? seen.fit : 'inside';
  var q = 'auto';
  if (format !== 'png') {
    var chosen = quality !== undefined ? quality : format === 'original' ? undefined : DEFAULT_QUALITY[format];
    if (chosen !== undefined) q = String(chosen);
  }
  return 'w' + (width === undefined ? 'auto' : width) + '-h' + (height === undefined ? 'auto' : height) + '-' + fit + '-' + format + '-q' + q;
}

function handler(event) {
  var request = event.request;
  var match = IMAGE_PATH.exec(request.uri);
  if (!match) return answer(404, 'Not Found', 'Not found');
  var querystring = request.querystring || {};
  if (Object.keys(querystring).length === 0) {
    request.uri = '/images/' + match[1];
    return request;
  }
  var accept = request.headers && request.headers.accept ? request.headers.accept.value : undefined;
  try {
    request.uri = '/variants/' + match[1] + '/' + canonical(querystring, accept);
  } catch (e) {
    if (e instanceof Invalid) return answer(400, 'Bad Request', e.message);
    throw e;
  }
  request.querystring = {};
  return request;
}
