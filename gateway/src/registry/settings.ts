import type { JsonObject, JsonValue } from "@bufbuild/protobuf";
import { z } from "zod";
import { ErrorCode, PolyplugError } from "../errors.js";

/** The kinds of plugin setting an operator can edit. */
export const SETTING_TYPES = ["bool", "text", "longtext", "number", "select", "secret", "list"] as const;

const settingKey = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, "a setting key is a letter followed by up to 63 letters, digits or _");

/** One setting in a manifest's settings schema. */
export const settingSchema = z
  .object({
    key: settingKey,
    type: z.enum(SETTING_TYPES),
    displayName: z.string().min(1).max(200).optional(),
    helpText: z.string().max(2000).optional(),
    default: z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]).optional(),
    required: z.boolean().default(false),
    /** Allowed values of a `select`. */
    options: z.array(z.object({ value: z.string(), label: z.string().optional() })).optional(),
    /** Bounds of a `number`. */
    min: z.number().optional(),
    max: z.number().optional(),
    /** A `number` that takes whole numbers only (counts, limits); default false. */
    integer: z.boolean().optional(),
  })
  .strict()
  .superRefine((setting, ctx) => {
    if (setting.type === "select" && (!setting.options || setting.options.length === 0)) {
      ctx.addIssue({ code: "custom", path: ["options"], message: "a select setting needs at least one option" });
    }
    if (setting.integer !== undefined && setting.type !== "number") {
      ctx.addIssue({ code: "custom", path: ["integer"], message: "only a number setting can be an integer" });
    }
    if (setting.default !== undefined) {
      const problem = checkValue(setting as Setting, setting.default);
      if (problem) ctx.addIssue({ code: "custom", path: ["default"], message: `default ${problem}` });
    }
  });

/** A validated setting definition. */
export type Setting = z.infer<typeof settingSchema>;

function checkValue(setting: Setting, value: JsonValue): string | undefined {
  switch (setting.type) {
    case "bool":
      return typeof value === "boolean" ? undefined : "must be true or false";
    case "number":
      if (typeof value !== "number" || !Number.isFinite(value)) return "must be a number";
      if (setting.integer === true && !Number.isInteger(value)) return "must be a whole number";
      if (setting.min !== undefined && value < setting.min) return `must be at least ${setting.min}`;
      if (setting.max !== undefined && value > setting.max) return `must be at most ${setting.max}`;
      return undefined;
    case "select":
      return typeof value === "string" && (setting.options ?? []).some((o) => o.value === value)
        ? undefined
        : `must be one of ${(setting.options ?? []).map((o) => JSON.stringify(o.value)).join(", ")}`;
    case "list":
      return Array.isArray(value) && value.every((item) => typeof item === "string")
        ? undefined
        : "must be a list of strings";
    default:
      return typeof value === "string"
        ? value.length <= 65536
          ? undefined
          : "must be at most 65536 characters"
        : "must be text";
  }
}

/** The configuration a plugin starts with: every setting's default. */
export function defaultConfiguration(settings: readonly Setting[]): JsonObject {
  const config: JsonObject = {};
  for (const setting of settings) if (setting.default !== undefined) config[setting.key] = setting.default;
  return config;
}

/**
 * Validates a configuration against the settings schema: unknown keys, wrong types,
 * missing required values. Returns the configuration with defaults filled in; throws
 * `invalid_argument` naming the setting and what was expected.
 */
export function validateConfiguration(settings: readonly Setting[], config: JsonObject): JsonObject {
  const known = new Map(settings.map((s) => [s.key, s]));
  for (const key of Object.keys(config)) {
    if (!known.has(key)) {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `unknown setting ${JSON.stringify(key)}; known settings: ${[...known.keys()].join(", ") || "none"}`,
        {
          details: { field: key },
        },
      );
    }
  }
  const result: JsonObject = { ...defaultConfiguration(settings), ...config };
  for (const setting of settings) {
    const value = result[setting.key];
    // An empty list is a value, except for a required list: "required" means at least one item.
    if (
      value === undefined ||
      value === null ||
      value === "" ||
      (setting.required && Array.isArray(value) && value.length === 0)
    ) {
      if (setting.required) {
        throw new PolyplugError(ErrorCode.InvalidArgument, `setting ${JSON.stringify(setting.key)} is required`, {
          details: { field: setting.key },
        });
      }
      continue;
    }
    const problem = checkValue(setting, value);
    if (problem) {
      throw new PolyplugError(
        ErrorCode.InvalidArgument,
        `setting ${JSON.stringify(setting.key)} ${problem}, got ${JSON.stringify(value).slice(0, 100)}`,
        {
          details: { field: setting.key },
        },
      );
    }
  }
  return result;
}
