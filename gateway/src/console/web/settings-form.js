// A plugin's settings form, generated from its settings schema (GetConfig), saved with
// SetConfig; validation errors from the gateway are shown and the field they name marked.

import { el, replaceChildren } from "./element.js";

const typeOf = (spec) =>
  String(spec.type ?? "")
    .replace(/^SETTING_TYPE_/, "")
    .toLowerCase();

function input(spec, value) {
  const id = `setting-${spec.key}`;
  const common = { id, name: spec.key, dataset: { settingKey: spec.key } };
  switch (typeOf(spec)) {
    case "bool":
      return el("input", { ...common, type: "checkbox", checked: value === true });
    case "longtext":
      return el("textarea", { ...common, rows: 4 }, value ?? "");
    case "number":
      return el("input", { ...common, type: "number", step: "any", value: value ?? "", min: spec.min, max: spec.max });
    case "select":
      return el(
        "select",
        common,
        (spec.options ?? []).map((o) =>
          el("option", { value: o.value, selected: o.value === value }, o.label || o.value),
        ),
      );
    case "secret":
      return el("input", { ...common, type: "password", autocomplete: "off", value: value ?? "" });
    case "list":
      return el(
        "textarea",
        { ...common, rows: 4, placeholder: "one per line" },
        Array.isArray(value) ? value.join("\n") : "",
      );
    default:
      return el("input", { ...common, type: "text", value: value ?? "" });
  }
}

function read(spec, field) {
  switch (typeOf(spec)) {
    case "bool":
      return field.checked;
    case "number":
      return field.value.trim() === "" ? undefined : Number(field.value);
    case "list":
      return field.value
        .split("\n")
        .map((line) => line.trim())
        .filter(Boolean);
    default:
      return field.value === "" && !spec.required ? undefined : field.value;
  }
}

/** The setting a validation error names: from its details, else the first quoted key in its message. */
function fieldOf(error, specs) {
  const quoted = [...String(error.message).matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  return specs.find((s) => quoted.includes(s.key))?.key;
}

/** Renders the settings form of `pluginId` into `container`. */
export async function mountSettingsForm(container, { client, pluginId }) {
  replaceChildren(container, el("p", { class: "muted" }, "Loading settings…"));
  let answer;
  try {
    answer = await client.call("GetConfig", { pluginId });
  } catch (error) {
    replaceChildren(
      container,
      el("div", { class: "form-error" }, `Could not read the configuration: ${error.message}`),
    );
    return;
  }
  const specs = answer.settings ?? [];
  if (specs.length === 0) {
    replaceChildren(container, el("p", { class: "muted" }, "This plugin has no settings."));
    return;
  }
  const config = answer.config ?? {};
  const message = el("div", { class: "form-message", role: "status" });
  const fields = new Map();
  const form = el(
    "form",
    { id: "settings-form", novalidate: true },
    specs.map((spec) => {
      const field = input(spec, config[spec.key]);
      fields.set(spec.key, field);
      const label = el("label", { for: field.id }, spec.displayName || spec.key, spec.required ? " *" : "");
      return el(
        "div",
        { class: "field", dataset: { key: spec.key } },
        label,
        field,
        spec.helpText ? el("div", { class: "muted" }, spec.helpText) : null,
      );
    }),
    el("button", { type: "submit" }, "Save"),
    message,
  );

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    for (const f of form.querySelectorAll(".field.invalid")) f.classList.remove("invalid");
    const next = {};
    for (const spec of specs) {
      const value = read(spec, fields.get(spec.key));
      if (value !== undefined) next[spec.key] = value;
    }
    try {
      await client.call("SetConfig", { pluginId, config: next, merge: false });
      replaceChildren(message, el("span", { class: "form-ok" }, "Saved."));
      message.className = "form-message";
    } catch (error) {
      const key = fieldOf(error, specs);
      if (key) form.querySelector(`.field[data-key="${CSS.escape(key)}"]`)?.classList.add("invalid");
      message.className = "form-message form-error";
      replaceChildren(message, error.message);
    }
  });
  replaceChildren(container, form);
}
