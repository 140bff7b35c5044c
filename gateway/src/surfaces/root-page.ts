import type { AnyRequest, AnyResponse } from "./http-routes.js";

/** Where the operator's side of this gateway lives; known once the admin server listens. */
export interface AdminLinks {
  /** Admin API base URL, e.g. `http://127.0.0.1:8081`. */
  readonly adminUrl: string;
}

/** What `GET /` on the public port answers (JSON form). */
export interface RootPageInfo {
  readonly name: "Polyplug gateway";
  readonly version?: string;
  readonly about: string;
  readonly publicApi: Readonly<Record<string, string>>;
  readonly admin?: { readonly api: string; readonly console: string; readonly metrics: string; readonly token: string };
  readonly docs: string;
}

/** The root page of the public port: tells a newcomer what this is and where to go. */
export interface RootPage {
  /** Answers `GET`/`HEAD /` (JSON, or HTML when the client prefers it); false for any other request. */
  handle(req: AnyRequest, res: AnyResponse): boolean;
  /** Adds the admin API, console and metrics URLs to the page. */
  setAdminLinks(links: AdminLinks): void;
  /** The JSON answer for `baseUrl` (the scheme and host the client used). */
  info(baseUrl: string): RootPageInfo;
}

const ABOUT =
  "A polyglot plugin gateway: applications call the public API below; plugins (separate processes in any language) decide.";
const DOCS = "README.md (quick start, curl examples) and proto/README.md (the protocol) in the Polyplug source tree";

/** True when the client asks for HTML before JSON (a browser); curl's `*\/*` gets JSON. */
function prefersHtml(accept: string): boolean {
  const html = accept.indexOf("text/html");
  const json = accept.indexOf("application/json");
  return html >= 0 && (json < 0 || html < json);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function renderHtml(info: RootPageInfo): string {
  const rows = Object.entries(info.publicApi).map(
    ([name, route]) => `<tr><th>${escapeHtml(name)}</th><td><code>${escapeHtml(route)}</code></td></tr>`,
  );
  const admin = info.admin
    ? `<h2>Operators</h2><table><tr><th>web console</th><td><a href="${escapeHtml(info.admin.console)}">${escapeHtml(info.admin.console)}</a></td></tr>` +
      `<tr><th>admin API</th><td><code>${escapeHtml(info.admin.api)}</code></td></tr><tr><th>metrics</th><td><code>${escapeHtml(info.admin.metrics)}</code></td></tr></table>` +
      `<p>${escapeHtml(info.admin.token)}</p>`
    : "";
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Polyplug gateway</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#222}th{text-align:left;padding-right:1rem;vertical-align:top;white-space:nowrap}code{overflow-wrap:anywhere}</style></head>
<body><h1>Polyplug gateway${info.version ? ` <small>${escapeHtml(info.version)}</small>` : ""}</h1><p>${escapeHtml(info.about)}</p>
<h2>Public API (this port)</h2><table>${rows.join("")}</table>${admin}<h2>Docs</h2><p>${escapeHtml(info.docs)}</p></body></html>\n`;
}

/** Creates the root page; `version` is shown when given. */
export function createRootPage(version?: string): RootPage {
  let admin: AdminLinks | undefined;
  const info = (baseUrl: string): RootPageInfo => ({
    name: "Polyplug gateway",
    ...(version ? { version } : {}),
    about: ABOUT,
    publicApi: {
      intercept: `POST ${baseUrl}/polyplug.v1.Gateway/Intercept`,
      notify: `POST ${baseUrl}/polyplug.v1.Gateway/Notify`,
      executeCommand: `POST ${baseUrl}/polyplug.v1.Gateway/ExecuteCommand`,
      protocols: "Connect (JSON or binary), gRPC, gRPC-Web; contract in proto/polyplug/v1/gateway.proto",
      events: `${baseUrl.replace(/^http/, "ws")}/v1/events?label.KEY=VALUE (WebSocket; only events whose audience matches your labels)`,
      pluginHttp: `${baseUrl}/plugins/{pluginId}/...`,
    },
    ...(admin
      ? {
          admin: {
            api: admin.adminUrl,
            console: `${admin.adminUrl}/console/`,
            metrics: `${admin.adminUrl}/metrics`,
            token: "The admin port needs the token from <data dir>/admin-token; it is not served here.",
          },
        }
      : {}),
    docs: DOCS,
  });
  return {
    info,
    setAdminLinks(links) {
      admin = links;
    },
    handle(req, res) {
      const url = req.url ?? "";
      if (url !== "/" && !url.startsWith("/?")) return false;
      const method = req.method ?? "GET";
      if (method !== "GET" && method !== "HEAD") return false;
      const host =
        typeof req.headers.host === "string" ? req.headers.host : (req.headers[":authority"] as string | undefined);
      const baseUrl = `http://${host && /^[\w.:[\]-]{1,300}$/.test(host) ? host : `${req.socket.localAddress ?? "127.0.0.1"}:${req.socket.localPort ?? 0}`}`;
      const page = info(baseUrl);
      const html = prefersHtml(String(req.headers.accept ?? ""));
      const body = html ? renderHtml(page) : `${JSON.stringify(page, null, 2)}\n`;
      res.writeHead(200, {
        "content-type": html ? "text/html; charset=utf-8" : "application/json",
        "content-length": Buffer.byteLength(body),
        "cache-control": "no-store",
        vary: "accept",
      });
      if (method === "HEAD") res.end();
      else res.end(body);
      return true;
    },
  };
}
