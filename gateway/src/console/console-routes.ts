import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { readManifest } from "../registry/manifest.js";
import type { PluginState } from "../supervision/supervisor.js";
import { resolveStaticFile, sendStaticFile } from "./static-files.js";

/** URL prefix of everything the console serves. */
export const CONSOLE_PATH = "/console/";

/**
 * The console's browser files (plain ES modules, no build step). The same relative path
 * works from `src/console/` (tests, tsx) and `dist/console/` (the built gateway).
 */
export const CONSOLE_WEB_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "src",
  "console",
  "web",
);

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/** A plugin as the console routes need it (a Gateway's `plugins()` fits). */
export interface ConsolePlugin {
  readonly pluginId: string;
  readonly dir: string;
  readonly state: PluginState;
}

/** One plugin web bundle, as `GET /console/webapps` lists it. */
export interface WebappListing {
  readonly pluginId: string;
  readonly state: PluginState;
  /** URL path of the bundle, e.g. `/console/plugins/com.example.x/webapp/main.js`. */
  readonly url: string;
}

/** Options of createConsoleRoutes. */
export interface ConsoleRoutesOptions {
  /** The gateway's plugins (their folders hold the manifests and the web bundles). */
  plugins(): readonly ConsolePlugin[];
  /** True when the request carries the admin bearer token or a console session (checked for `/console/webapps`). */
  authorize(req: AnyRequest): boolean;
  /** Override the folder of the console's own files (default CONSOLE_WEB_DIR). */
  readonly webDir?: string;
}

function sendJson(res: AnyResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

const notFound = (res: AnyResponse, what: string) =>
  sendJson(res, 404, { code: "not_found", message: `${what} not found` });

/** The web bundle of the plugin in `dir`: its folder and the bundle's path inside it. */
async function webappOf(dir: string): Promise<{ folder: string; entry: string } | undefined> {
  const { manifest } = await readManifest(dir).catch(() => ({ manifest: undefined }));
  const bundle = manifest?.webapp?.bundle.split(path.sep).join("/");
  if (!bundle) return undefined;
  const slash = bundle.lastIndexOf("/");
  return { folder: path.join(dir, ...bundle.slice(0, slash).split("/")), entry: bundle.slice(slash + 1) };
}

/**
 * Request handler of the web console, for the admin server. Returns false (touching
 * nothing) for paths outside `/console`. Serves:
 * - `GET /console/` — the console page; `/console/assets/<file>` — its scripts and styles;
 * - `GET /console/webapps` (bearer token required) — the plugins that ship a web bundle;
 * - `GET /console/plugins/<id>/<path>` — files of a plugin's webapp folder (the folder of
 *   `webapp.bundle` in its manifest) and nothing else of the plugin.
 * The console's own files and bundles need no token: they are code, not data; every call
 * they make goes through the Admin API with the token.
 */
export function createConsoleRoutes(options: ConsoleRoutesOptions): (req: AnyRequest, res: AnyResponse) => boolean {
  const webDir = options.webDir ?? CONSOLE_WEB_DIR;
  const serve = async (req: AnyRequest, res: AnyResponse, pathname: string): Promise<void> => {
    const headOnly = req.method === "HEAD";
    if (pathname === CONSOLE_PATH) {
      const file = await resolveStaticFile(webDir, "index.html");
      if (!file) return notFound(res, "console page");
      res.setHeader(
        "content-security-policy",
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
      );
      return sendStaticFile(res, file, headOnly);
    }
    if (pathname.startsWith(`${CONSOLE_PATH}assets/`)) {
      const file = await resolveStaticFile(webDir, pathname.slice(`${CONSOLE_PATH}assets/`.length));
      return file ? sendStaticFile(res, file, headOnly) : notFound(res, pathname);
    }
    if (pathname === `${CONSOLE_PATH}webapps`) {
      if (!options.authorize(req))
        return sendJson(res, 401, {
          code: "unauthenticated",
          message: "sign in to the console first (or send the admin bearer token)",
        });
      const listings: WebappListing[] = [];
      for (const plugin of options.plugins()) {
        const webapp = await webappOf(plugin.dir);
        if (webapp)
          listings.push({
            pluginId: plugin.pluginId,
            state: plugin.state,
            url: `${CONSOLE_PATH}plugins/${encodeURIComponent(plugin.pluginId)}/${path.relative(plugin.dir, path.join(webapp.folder, webapp.entry)).split(path.sep).join("/")}`,
          });
      }
      return sendJson(res, 200, { webapps: listings });
    }
    const match = /^\/console\/plugins\/([^/]+)\/(.+)$/.exec(pathname);
    if (match) {
      const pluginId = match[1] ?? "";
      const plugin = options.plugins().find((p) => p.pluginId === pluginId);
      const webapp = plugin && (await webappOf(plugin.dir));
      if (!plugin || !webapp) return notFound(res, `web bundle of plugin ${pluginId}`);
      // The URL path names the file relative to the plugin folder; it must lie in the webapp folder.
      const relativeToFolder = path.relative(webapp.folder, path.join(plugin.dir, ...(match[2] ?? "").split("/")));
      const file = relativeToFolder.startsWith("..")
        ? undefined
        : await resolveStaticFile(webapp.folder, relativeToFolder.split(path.sep).join("/"));
      return file ? sendStaticFile(res, file, headOnly) : notFound(res, pathname);
    }
    notFound(res, pathname);
  };

  return (req, res) => {
    let pathname: string;
    try {
      pathname = decodeURI((req.url ?? "").split("?")[0] ?? "");
    } catch {
      return false;
    }
    if (pathname !== "/console" && !pathname.startsWith(CONSOLE_PATH)) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      sendJson(res, 405, { code: "invalid_argument", message: `use GET for ${pathname}` });
      return true;
    }
    if (pathname === "/console") {
      res.writeHead(302, { location: CONSOLE_PATH });
      res.end();
      return true;
    }
    serve(req, res, pathname).catch((error: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, {
          code: "internal",
          message: `console: ${error instanceof Error ? error.message : String(error)}`,
        });
      else res.end();
    });
    return true;
  };
}
