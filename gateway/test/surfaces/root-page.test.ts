// The public port's root answers what this is and where to go (issue: the first URL printed
// answered 404 in a browser).
import http2 from "node:http2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPublicServer, type PublicServer } from "../../src/surfaces/public-server.js";
import { FakeDispatcher } from "./fake-dispatcher.js";

let server: PublicServer;

beforeAll(async () => {
  server = await startPublicServer({ port: 0, dispatcher: new FakeDispatcher(), version: "9.9.9" });
});
afterAll(() => server.close());

describe("GET / on the public port", () => {
  it("answers JSON naming the public routes, the version and the docs; the admin links once known", async () => {
    const before = await fetch(`${server.url}/`, { headers: { accept: "application/json" } });
    expect(before.status).toBe(200);
    expect(before.headers.get("content-type")).toBe("application/json");
    const page = (await before.json()) as Record<string, unknown>;
    expect(page).toMatchObject({
      name: "Polyplug gateway",
      version: "9.9.9",
      publicApi: {
        intercept: `POST ${server.url}/polyplug.v1.Gateway/Intercept`,
        executeCommand: `POST ${server.url}/polyplug.v1.Gateway/ExecuteCommand`,
        events: expect.stringContaining(`${server.url.replace("http", "ws")}/v1/events?label.KEY=VALUE`),
        pluginHttp: `${server.url}/plugins/{pluginId}/...`,
      },
      docs: expect.stringContaining("README.md"),
    });
    expect(page.admin).toBeUndefined();

    server.rootPage.setAdminLinks({ adminUrl: "http://127.0.0.1:8081" });
    const after = (await (await fetch(server.url)).json()) as Record<string, unknown>;
    expect(after.admin).toMatchObject({
      console: "http://127.0.0.1:8081/console/",
      metrics: "http://127.0.0.1:8081/metrics",
    });
    expect(JSON.stringify(after)).not.toMatch(/admin-token"|Bearer [a-f0-9]/);
  });

  it("answers a small HTML page to a browser, with the console link, and escapes the Host header", async () => {
    server.rootPage.setAdminLinks({ adminUrl: "http://127.0.0.1:8081" });
    const res = await fetch(`${server.url}/`, {
      headers: { accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await res.text();
    expect(html).toContain("<title>Polyplug gateway</title>");
    expect(html).toContain('<a href="http://127.0.0.1:8081/console/">');
    expect(html).toContain("/polyplug.v1.Gateway/Intercept");
  });

  it("ignores a hostile Host header and serves HEAD without a body; other paths and methods stay 404", async () => {
    const { port } = server;
    const raw = await new Promise<string>((resolve, reject) => {
      import("node:net").then(({ connect }) => {
        const socket = connect(port, "127.0.0.1", () =>
          socket.write(
            'GET / HTTP/1.1\r\nhost: "><script>x</script>\r\naccept: text/html\r\nconnection: close\r\n\r\n',
          ),
        );
        let text = "";
        socket.on("data", (chunk) => (text += chunk));
        socket.on("end", () => resolve(text));
        socket.on("error", reject);
      }, reject);
    });
    expect(raw).toContain("200 OK");
    expect(raw).not.toContain("<script>");
    expect(raw).toContain(`http://127.0.0.1:${port}/polyplug.v1.Gateway/Intercept`);

    const head = await fetch(server.url, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
    expect((await fetch(`${server.url}/`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${server.url}/nothing-here`)).status).toBe(404);
  });

  it("answers over HTTP/2 too", async () => {
    const session = http2.connect(server.url);
    try {
      const body = await new Promise<string>((resolve, reject) => {
        const stream = session.request({ ":path": "/", accept: "application/json" });
        let text = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => (text += chunk));
        stream.on("end", () => resolve(text));
        stream.on("error", reject);
      });
      expect(JSON.parse(body)).toMatchObject({ name: "Polyplug gateway" });
    } finally {
      session.close();
    }
  });
});
