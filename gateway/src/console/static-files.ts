import { realpath, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { ServerResponse } from "node:http";
import type { Http2ServerResponse } from "node:http2";

/** Content types of the files the console serves; other extensions are refused. */
export const STATIC_CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
};

/** Largest static file served (4 MiB): bundles are meant to be small. */
export const MAX_STATIC_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Resolves `relative` (URL-decoded, `/`-separated) inside `root`, following symlinks, and
 * returns the absolute file path — or undefined when it would leave `root`, is not a regular
 * file, has an extension not in STATIC_CONTENT_TYPES, or does not exist.
 */
export async function resolveStaticFile(root: string, relative: string): Promise<string | undefined> {
  if (relative.includes("\0") || relative.split("/").some((part) => part === ".." || part === ".")) return undefined;
  if (!(path.extname(relative).toLowerCase() in STATIC_CONTENT_TYPES)) return undefined;
  try {
    const realRoot = await realpath(root);
    const file = await realpath(path.join(realRoot, ...relative.split("/")));
    if (!file.startsWith(realRoot + path.sep)) return undefined;
    const info = await stat(file);
    return info.isFile() && info.size <= MAX_STATIC_FILE_BYTES ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Sends a file resolved by resolveStaticFile with its content type; never cached by the browser. */
export async function sendStaticFile(
  res: ServerResponse | Http2ServerResponse,
  file: string,
  headOnly = false,
): Promise<void> {
  const body = await readFile(file);
  res.writeHead(200, {
    "content-type": STATIC_CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream",
    "content-length": body.length,
    "cache-control": "no-cache",
    "x-content-type-options": "nosniff",
  });
  if (headOnly) res.end();
  else res.end(body);
}
