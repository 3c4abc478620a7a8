// Mapping a request path onto a file of the built renderer, for both the browser-mode server and the Electron app://
// protocol. The guard refuses anything that could name a file outside the renderer folder: `..` and `.` segments
// (raw or percent-encoded), backslashes, NUL, absolute or drive paths, dotfiles, and symlinks that lead outside.
import fs from 'node:fs';
import path from 'node:path';

export type StaticTarget =
  | { kind: 'file'; file: string; contentType: string }
  /** Refused outright (400): the path tries to leave the folder or is malformed. */
  | { kind: 'bad'; reason: string }
  | { kind: 'missing' };

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
  '.csv': 'text/csv; charset=utf-8',
};

export function contentTypeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Checks a raw (still percent-encoded) URL path and returns the path relative to the renderer folder, with `/`
 * separators, or why it is refused. Pure: no file system access.
 */
export function checkUrlPath(rawPath: string): { ok: true; rel: string } | { ok: false; reason: string } {
  if (!rawPath.startsWith('/')) return { ok: false, reason: 'the path must start with /' };
  if (rawPath.startsWith('//')) return { ok: false, reason: 'a path may not start with //' };
  if (/%00|\0/.test(rawPath)) return { ok: false, reason: 'NUL in path' };
  if (/\\|%5c/i.test(rawPath)) return { ok: false, reason: 'backslash in path' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { ok: false, reason: 'malformed percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { ok: false, reason: 'NUL or backslash in path' };
  const rel = decoded.slice(1);
  if (rel.startsWith('/') || path.isAbsolute(rel) || /^[A-Za-z]:/.test(rel)) return { ok: false, reason: 'absolute path' };
  for (const seg of rel.split('/')) {
    if (seg === '..' || seg === '.') return { ok: false, reason: 'dot segment in path' };
    if (seg.startsWith('.')) return { ok: false, reason: 'hidden file' };
    if (/[\u0000-\u001f\u007f]/.test(seg)) return { ok: false, reason: 'control character in path' };
  }
  if (rel.split('/').some((seg, i, all) => seg === '' && i < all.length - 1)) return { ok: false, reason: 'empty segment in path' };
  return { ok: true, rel };
}

/** True when `child` is `root` itself or lies inside it (both absolute and normalised). */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/**
 * Resolves a raw URL path to a file under `root` (an absolute, real path): `/` is index.html, and an unknown
 * extensionless path is index.html too (the console is a single-page app); an unknown path with an extension is
 * missing.
 */
export function resolveStatic(root: string, rawPath: string): StaticTarget {
  const checked = checkUrlPath(rawPath);
  if (!checked.ok) return { kind: 'bad', reason: checked.reason };
  const rel = checked.rel === '' || checked.rel.endsWith('/') ? `${checked.rel}index.html` : checked.rel;
  const full = path.resolve(root, ...rel.split('/'));
  if (!isInside(root, full) || full === root) return { kind: 'bad', reason: 'outside the renderer folder' };
  const found = realFile(root, full);
  if (found === 'outside') return { kind: 'bad', reason: 'outside the renderer folder' };
  if (found) return { kind: 'file', file: found, contentType: contentTypeOf(found) };
  if (path.extname(checked.rel) === '') {
    const index = realFile(root, path.join(root, 'index.html'));
    if (index && index !== 'outside') return { kind: 'file', file: index, contentType: contentTypeOf(index) };
  }
  return { kind: 'missing' };
}

/** The real path of a regular file inside root, 'outside' for a symlink out of it, null when there is no such file. */
function realFile(root: string, full: string): string | 'outside' | null {
  let real: string;
  try {
    real = fs.realpathSync(full);
  } catch {
    return null;
  }
  if (!isInside(root, real)) return 'outside';
  try {
    return fs.statSync(real).isFile() ? real : null;
  } catch {
    return null;
  }
}

/** The renderer folder as an absolute real path, or null when it is missing or has no index.html. */
export function rendererRoot(dir: string): string | null {
  try {
    const root = fs.realpathSync(path.resolve(dir));
    return fs.statSync(path.join(root, 'index.html')).isFile() ? root : null;
  } catch {
    return null;
  }
}
