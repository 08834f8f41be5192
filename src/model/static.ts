/**
 * Static assets: the stylesheets, scripts, images, fonts and media a page pulls in after it
 * loads. They are requests the browser makes on its own, not steps a user takes, so the model
 * marks their endpoints `static: true`, and `import --exclude-static` leaves them out (a page
 * view with its 20 assets is then one step of a session, not 21).
 *
 * A request is a static asset when its path's last segment ends in one of STATIC_EXTENSIONS, or
 * when the source logs the response's content type (HAR does) and it is one of
 * STATIC_CONTENT_TYPES. Either is enough: a `favicon.ico` answered by a 404 page is still an
 * asset request, and `/img/42` answered with `image/png` is one too. HTML, JSON and XML never
 * are (pages and API calls), whatever their path looks like.
 */

/**
 * By the extension of the last path segment, case-insensitive:
 * styles and scripts (css js mjs cjs map), images (png jpg jpeg gif svg ico webp avif bmp),
 * fonts (woff woff2 ttf eot otf), media (mp4 webm mp3 ogg wav), documents and plain files
 * (pdf txt: robots.txt, humans.txt), web app manifests and WebAssembly (webmanifest wasm).
 */
export const STATIC_EXTENSIONS: readonly string[] = [
  'css', 'js', 'mjs', 'cjs', 'map',
  'png', 'jpg', 'jpeg', 'gif', 'svg', 'ico', 'webp', 'avif', 'bmp',
  'woff', 'woff2', 'ttf', 'eot', 'otf',
  'mp4', 'webm', 'mp3', 'ogg', 'wav',
  'pdf', 'txt',
  'webmanifest', 'wasm',
]; // prettier-ignore

/**
 * By content type (parameters such as `; charset=` ignored): any `image/`, `font/`, `audio/`
 * or `video/` type, and these.
 */
export const STATIC_CONTENT_TYPES: readonly string[] = [
  'text/css',
  'text/javascript',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/font-woff',
  'application/font-woff2',
  'application/x-font-woff',
  'application/x-font-ttf',
  'application/x-font-otf',
  'application/vnd.ms-fontobject',
  'application/wasm',
  'application/manifest+json',
];
const STATIC_TYPE_PREFIXES = ['image/', 'font/', 'audio/', 'video/'];

const EXTENSIONS = new Set(STATIC_EXTENSIONS);
const CONTENT_TYPES = new Set(STATIC_CONTENT_TYPES);
/** Longest extension in the list, so that a long last segment costs nothing. */
const MAX_EXTENSION_LENGTH = Math.max(...STATIC_EXTENSIONS.map((e) => e.length));

/** True when `path`'s last segment has a static extension (matrix parameters `;x=y` ignored). */
export function hasStaticExtension(path: string): boolean {
  let end = path.length;
  const slash = path.lastIndexOf('/');
  const semicolon = path.indexOf(';', slash + 1);
  if (semicolon >= 0) end = semicolon;
  const dot = path.lastIndexOf('.', end - 1);
  if (dot <= slash || end - dot - 1 > MAX_EXTENSION_LENGTH || end - dot - 1 === 0) return false;
  return EXTENSIONS.has(path.slice(dot + 1, end).toLowerCase());
}

/** True for a static content type (`text/css; charset=utf-8`, `image/webp`, …). */
export function isStaticContentType(contentType: string): boolean {
  const semicolon = contentType.indexOf(';');
  const type = (semicolon >= 0 ? contentType.slice(0, semicolon) : contentType).trim().toLowerCase();
  if (type === '') return false;
  if (CONTENT_TYPES.has(type)) return true;
  for (const prefix of STATIC_TYPE_PREFIXES) if (type.startsWith(prefix)) return true;
  return false;
}

/** A static asset request, by path extension or by response content type when known. */
export function isStaticAsset(path: string, contentType?: string): boolean {
  return hasStaticExtension(path) || (contentType !== undefined && contentType !== '' && isStaticContentType(contentType));
}
