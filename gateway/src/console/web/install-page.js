// Installing a bundle from the console: pick the .tar.gz (and its .sig), read the manifest in
// the browser, show the permissions it asks for in a dialog, and install only on Approve —
// sending exactly what was shown, which the gateway checks the bundle against.

import { el, replaceChildren, stateName } from "./element.js";

const DEFAULT_API = ["log", "config"];
const LIMIT_WORDS = {
  memoryMiB: (v) => `memory ${v} MiB`,
  cpuPercent: (v) => `CPU ${v}% of one core`,
  processes: (v) => `${v} processes`,
  openFiles: (v) => `${v} open files`,
};

/** The entries of an uncompressed tar (ustar, with pax `path` records), as {path, bytes}. */
function* tarEntries(tar) {
  const text = (offset, length) =>
    new TextDecoder().decode(tar.subarray(offset, offset + length)).replace(/\0.*$/s, "");
  let paxPath;
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const name = text(offset, 100);
    if (name === "") return;
    const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[offset + 156] || 48);
    const prefix = text(offset + 345, 155);
    const bytes = tar.subarray(offset + 512, offset + 512 + size);
    if (type === "x") {
      const match = /\d+ path=([^\n]*)\n/.exec(new TextDecoder().decode(bytes));
      paxPath = match?.[1];
    } else {
      yield { path: paxPath ?? (prefix ? `${prefix}/${name}` : name), type, bytes };
      paxPath = undefined;
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}

/** The manifest (plugin.json) of a .tar.gz bundle, read in the browser. */
export async function readBundleManifest(file) {
  const tar = new Uint8Array(
    await new Response(file.stream().pipeThrough(new DecompressionStream("gzip"))).arrayBuffer(),
  );
  for (const entry of tarEntries(tar)) {
    const parts = entry.path.replace(/\/$/, "").split("/");
    if (parts.length === 2 && parts[1] === "plugin.json") return JSON.parse(new TextDecoder().decode(entry.bytes));
    if (parts.length === 2 && /^plugin\.ya?ml$/.test(parts[1]))
      throw new Error("the manifest is YAML, which the console cannot show; install it with `polyplug plugin install`");
  }
  throw new Error("no plugin.json in the bundle's top folder");
}

/** Manifest permissions with the gateway's defaults filled in. */
export function permissionsOf(manifest) {
  const p = manifest.permissions ?? {};
  return {
    api: p.api ?? DEFAULT_API,
    network: p.network ?? "none",
    readPaths: p.readPaths ?? [],
    limits: p.limits ?? {},
  };
}

/** The permissions as lines for the operator (the same words as the CLI). */
export function describePermissions(p) {
  const limits = Object.entries(LIMIT_WORDS)
    .filter(([key]) => p.limits[key] !== undefined)
    .map(([key, words]) => words(p.limits[key]));
  return [
    `GatewayAPI: ${p.api.length > 0 ? p.api.join(", ") : "none"}`,
    `network: ${p.network === "host" ? "host (the machine's network)" : "none"}`,
    `read-only paths: ${p.readPaths.length > 0 ? p.readPaths.join(", ") : "none"}`,
    `resource limits: ${limits.length > 0 ? limits.join(", ") : "the gateway's defaults"}`,
  ];
}

function base64(bytes) {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** The install page; returns the function that unmounts it. */
export function mountInstallPage(container, { client }) {
  const bundleInput = el("input", { id: "install-bundle", type: "file", accept: ".tar.gz,.tgz,application/gzip" });
  const signatureInput = el("input", { id: "install-signature", type: "file", accept: ".sig" });
  const result = el("div", { id: "install-result", role: "status" });
  const dialog = el("dialog", { id: "install-dialog" });
  let closed = false;

  const install = async (file, manifest, permissions) => {
    result.textContent = `Installing ${manifest.id} ${manifest.version}…`;
    const signature = signatureInput.files?.[0];
    try {
      const answer = await client.call("InstallPlugin", {
        bundle: base64(new Uint8Array(await file.arrayBuffer())),
        ...(signature ? { signature: base64(new Uint8Array(await signature.arrayBuffer())) } : {}),
        approvedPermissions: {
          api: permissions.api,
          network: permissions.network,
          readPaths: permissions.readPaths,
          limits: {
            memoryMib: permissions.limits.memoryMiB ?? 0,
            cpuPercent: permissions.limits.cpuPercent ?? 0,
            processes: permissions.limits.processes ?? 0,
            openFiles: permissions.limits.openFiles ?? 0,
          },
        },
      });
      const trust =
        {
          SIGNATURE_TRUST_TRUSTED: `signed by trusted key ${answer.keyId}`,
          SIGNATURE_TRUST_UNTRUSTED: `signed by an untrusted key ${answer.keyId}`,
        }[answer.signatureTrust] ?? "unsigned";
      replaceChildren(
        result,
        el(
          "p",
          { class: "ok" },
          `${answer.previousVersion ? `Upgraded ${answer.plugin.id} ${answer.previousVersion} → ` : `Installed ${answer.plugin.id} `}${answer.plugin.version} — ${stateName(answer.plugin.state)} (${trust})`,
        ),
        (answer.warnings ?? []).map((warning) => el("p", { class: "form-error" }, warning)),
      );
    } catch (error) {
      replaceChildren(result, el("p", { class: "form-error", role: "alert" }, `Not installed: ${error.message}`));
    }
  };

  const review = async () => {
    const file = bundleInput.files?.[0];
    if (!file) return;
    let manifest;
    try {
      manifest = await readBundleManifest(file);
    } catch (error) {
      replaceChildren(
        result,
        el("p", { class: "form-error", role: "alert" }, `Cannot read ${file.name}: ${error.message}`),
      );
      return;
    }
    const permissions = permissionsOf(manifest);
    const approve = el("button", { type: "button", id: "install-approve" }, "Approve and install");
    const cancel = el("button", { type: "button", id: "install-cancel" }, "Cancel");
    replaceChildren(
      dialog,
      el("h3", {}, `${manifest.name ?? manifest.id} ${manifest.version} asks for these permissions`),
      el("p", { class: "muted" }, manifest.id),
      el(
        "ul",
        { id: "install-permissions" },
        describePermissions(permissions).map((line) => el("li", {}, line)),
      ),
      el("p", {}, approve, " ", cancel),
    );
    approve.addEventListener("click", () => {
      dialog.close();
      void install(file, manifest, permissions);
    });
    cancel.addEventListener("click", () => {
      dialog.close();
      result.textContent = "Not installed: the permissions were not approved.";
    });
    if (!closed) dialog.showModal();
  };

  const form = el(
    "form",
    { id: "install-form" },
    el("h2", {}, "Install a plugin bundle"),
    el("p", {}, el("label", {}, "Bundle (.tar.gz) ", bundleInput)),
    el("p", {}, el("label", {}, "Signature (.sig, optional) ", signatureInput)),
    el("p", {}, el("button", { type: "submit" }, "Review permissions…")),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void review();
  });
  replaceChildren(container, form, dialog, result);
  return () => {
    closed = true;
    if (dialog.open) dialog.close();
  };
}
