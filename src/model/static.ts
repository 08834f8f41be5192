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

const CONTENT_TYPES = new Set(STATIC_CONTENT_TYPES);
/** Longest extension in the list: the scan back from a path's end stops after that many characters. */
const MAX_EXTENSION_LENGTH = Math.max(...STATIC_EXTENSIONS.map((e) => e.length));

/**
 * The extensions as a trie over lower-case character codes, read from the extension's last
 * character back to the dot, so that a path is checked with no string built: this runs on every
 * request of an import.
 */
interface ExtensionNode {
  next: Map<number, ExtensionNode>;
  /** An extension ends here (the dot comes next). */
  end: boolean;
}
const REVERSED: ExtensionNode = { next: new Map(), end: false };
for (const ext of STATIC_EXTENSIONS) {
  let node = REVERSED;
  for (let i = ext.length - 1; i >= 0; i--) {
    const c = ext.charCodeAt(i);
    let child = node.next.get(c);
    if (child === undefined) node.next.set(c, (child = { next: new Map(), end: false }));
    node = child;
  }
  node.end = true;
}

/** True when `path`'s last segment has a static extension (matrix parameters `;x=y` ignored). */
export function hasStaticExtension(path: string): boolean {
  let end = path.length;
  const semicolon = path.indexOf(';');
  if (semicolon >= 0 && path.indexOf('/', semicolon) < 0) end = semicolon;
  let node = REVERSED;
  const stop = Math.max(0, end - MAX_EXTENSION_LENGTH - 1);
  for (let i = end - 1; i >= stop; i--) {
    let c = path.charCodeAt(i);
    if (c === 46 /* . */) return node.end && i < end - 1;
    if (c >= 65 && c <= 90) c += 32;
    const child = node.next.get(c);
    if (child === undefined) return false;
    node = child;
  }
  return false;
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
