// CloudFront Function (cloudfront-js-2.0), viewer request, /image/*: the edge rules of docs/edge.md,
// decided before the cache. functions/core/edge-rules.ts is the same rules in TypeScript (same checks,
// order, answers; test/unit/edge-rules.test.ts holds both to the same verdicts), and the transform
// query the same as functions/core/transform-params.ts. The query is folded into the path and removed,
// so the cache key is the path alone: signature parameters never split the cache.
// /image/<id> -> /images/<id>; /image/<id>?<transform> -> /variants/<id>/<canonical>.
import cf from 'cloudfront';
import crypto from 'crypto';

// Replaced at deploy (lib/edge/function-code.ts) with the configured unsigned set.
var SIZES = [64, 128, 256, 512, 1024, 2048];
var FORMATS_UNSIGNED = ['jpeg', 'png', 'webp', 'avif', 'auto'];
var NAMES = ['w', 'h', 'fit', 'format', 'q'];
var SIGNING = ['sig', 'kid', 'exp'];
var FITS = ['inside', 'cover', 'contain'];
var FORMATS = ['jpeg', 'png', 'webp', 'avif'];
var DEFAULT_QUALITY = { jpeg: 80, webp: 80, avif: 50 };
var IMAGE_PATH = /^\/image\/([A-Za-z0-9_-]{22})$/;
var INTEGER = /^[1-9][0-9]{0,5}$/;
var SIG = /^[A-Za-z0-9_-]{43}$/;
var KID = /^[A-Za-z0-9_-]{1,40}$/;
var EXP = /^[1-9][0-9]{0,11}$/;
var ENTRY = /^([p-])\|(-|[1-9][0-9]{0,11})\|([^|]+)$/;
var kvs = cf.kvs();

function answer(status, message) {
  return {
    statusCode: status,
    statusDescription: status === 400 ? 'Bad Request' : status === 403 ? 'Forbidden' : 'Not Found',
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
  if (!INTEGER.test(value) || Number(value) > max) throw new Invalid('Parameter ' + name + ' must be an integer from 1 to ' + max);
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

// The query as [name, [values...]] (decoded), sorted by name: among several problems the name that
// sorts first is reported (the TypeScript rule), whatever the order of the query object's keys.
function groups(querystring) {
  var result = [];
  var index = {};
  var keys = Object.keys(querystring);
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
  return result.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
}

function canonical(seen, accept) {
  var width = seen.w === undefined ? undefined : integerIn('w', seen.w, 4096);
  var height = seen.h === undefined ? undefined : integerIn('h', seen.h, 4096);
  if (seen.fit !== undefined && FITS.indexOf(seen.fit) < 0) throw new Invalid('Parameter fit must be one of inside, cover, contain');
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

function unsigned(seen) {
  if (seen.fit !== undefined || seen.q !== undefined || (seen.w !== undefined && seen.h !== undefined)) return false;
  var size = seen.w !== undefined ? seen.w : seen.h;
  if (size !== undefined && SIZES.indexOf(Number(size)) < 0) return false;
  return seen.format === undefined || FORMATS_UNSIGNED.indexOf(seen.format) >= 0;
}

// Most images have no entry: exists() answers that without the error get() raises for a missing key.
async function read(key) {
  try {
    return (await kvs.exists(key)) ? await kvs.get(key) : undefined;
  } catch (e) {
    return undefined;
  }
}

function same(a, b) {
  if (a.length !== b.length) return false;
  var diff = 0;
  for (var i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

async function handler(event) {
  var request = event.request;
  var match = IMAGE_PATH.exec(request.uri);
  if (!match) return answer(404, 'Not found');
  var id = match[1];
  var querystring = request.querystring || {};
  var headers = request.headers || {};
  var seen = {};
  var transform = false;
  var uri;
  try {
    var list = groups(querystring);
    var i;
    for (i = 0; i < list.length; i++) {
      if (NAMES.indexOf(list[i][0]) < 0 && SIGNING.indexOf(list[i][0]) < 0) {
        throw new Invalid('Unknown parameter ' + JSON.stringify(list[i][0]) + '; allowed: w, h, fit, format, q');
      }
    }
    for (i = 0; i < list.length; i++) {
      if (list[i][1].length > 1) throw new Invalid('Parameter ' + list[i][0] + ' is repeated');
      seen[list[i][0]] = list[i][1][0];
      if (NAMES.indexOf(list[i][0]) >= 0) transform = true;
    }
    uri = transform ? '/variants/' + id + '/' + canonical(seen, headers.accept ? headers.accept.value : undefined) : '/images/' + id;
  } catch (e) {
    if (e instanceof Invalid) return answer(400, e.message);
    throw e;
  }

  var now = Date.now();
  var owner;
  if (seen.sig !== undefined || seen.kid !== undefined || seen.exp !== undefined) {
    if (seen.sig === undefined || seen.kid === undefined || !SIG.test(seen.sig) || !KID.test(seen.kid)) return answer(403, 'Invalid signature');
    if (seen.exp !== undefined && (!EXP.test(seen.exp) || Number(seen.exp) * 1000 < now)) return answer(403, 'Invalid signature');
    var stored = await read('k.' + seen.kid);
    var bar = stored === undefined ? -1 : stored.indexOf('|');
    if (bar < 1) return answer(403, 'Invalid signature');
    var signed = [];
    for (i = 0; i < list.length; i++) if (list[i][0] !== 'sig') signed.push(list[i][0] + '=' + list[i][1][0]);
    var expected = crypto.createHmac('sha256', stored.slice(bar + 1)).update(request.uri + '?' + signed.join('&')).digest('base64url');
    if (!same(expected, seen.sig)) return answer(403, 'Invalid signature');
    owner = stored.slice(0, bar);
  } else if (!unsigned(seen)) {
    return answer(403, 'Signature required');
  }

  var value = await read(id);
  if (value !== undefined) {
    var entry = ENTRY.exec(value);
    if (!entry || (entry[2] !== '-' && now >= Number(entry[2]) * 1000) || (entry[1] === 'p' && owner !== entry[3])) {
      return answer(404, 'Image not found');
    }
  }

  // Markers for later steps: the viewer-response function adds Vary: Accept for format=auto (it may
  // see this rewritten request, whose query is gone), and the transform function's 307 for a large
  // variant sends the viewer back to the URL it came with (signature included).
  delete headers['x-imager-auto'];
  delete headers['x-imager-query'];
  if (transform) {
    if (seen.format === 'auto') headers['x-imager-auto'] = { value: '1' };
    var raw = [];
    var keys = Object.keys(querystring);
    for (i = 0; i < keys.length; i++) raw.push(keys[i] + '=' + querystring[keys[i]].value);
    headers['x-imager-query'] = { value: raw.join('&') };
    request.headers = headers;
  }
  request.uri = uri;
  request.querystring = {};
  return request;
}
