import { CONFORMANCE_FEATURES, manifestJson, readme, type ScaffoldFile, type ScaffoldSpec } from "./scaffold-spec.js";

/** The files of a TypeScript plugin using `@polyplug/sdk` (its tarball copied into vendor/), compiled with tsc to `dist/`. */
export function tsTemplate(spec: ScaffoldSpec): ScaffoldFile[] {
  const plugin = `// ${spec.name}: a Polyplug plugin that intercepts ${spec.topic} and answers /${spec.command}.
// Import the SDK first: it guards stdout, which belongs to the go-plugin handshake.
import { definePlugin, serve } from "@polyplug/sdk";

const PLUGIN_ID = ${JSON.stringify(spec.id)};

const plugin = definePlugin({
  id: PLUGIN_ID,
  version: "0.1.0",

  async onActivate(ctx) {
    await ctx.api.log("info", "${spec.name} activated");
  },

  intercept: {
    ${JSON.stringify(spec.topic)}: (payload, ctx) => {
      if (String(payload.message ?? "").toLowerCase().includes("forbidden")) return ctx.reject("the message contains a forbidden word", "forbidden");
      return ctx.modify({ ...payload, checked_by: PLUGIN_ID });
    },
  },

  commands: {
    ${JSON.stringify(spec.command)}: {
      description: "says hello",
      usage: "[name]",
      run(args) {
        const greeting = typeof plugin.config.greeting === "string" && plugin.config.greeting !== "" ? plugin.config.greeting : "hello";
        return { text: \`\${greeting}, \${args[0] ?? "world"}!\`, data: { plugin: PLUGIN_ID } };
      },
    },
  },
});

await serve(plugin);
`;
  const packageJson = {
    name: spec.name.toLowerCase(),
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: { build: "tsc -p tsconfig.json" },
    dependencies: { "@polyplug/sdk": `file:${spec.sdk.npmTarball}` },
    devDependencies: { typescript: "5.9.3", "@types/node": "20.19.43" },
  };
  const tsconfig = {
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      outDir: "dist",
      rootDir: "src",
      skipLibCheck: true,
      types: [],
    },
    include: ["src"],
  };
  return [
    { path: "src/plugin.ts", content: plugin },
    { path: "package.json", content: `${JSON.stringify(packageJson, null, 2)}\n` },
    { path: "tsconfig.json", content: `${JSON.stringify(tsconfig, null, 2)}\n` },
    { path: "plugin.json", content: manifestJson(spec, { command: ["node", "dist/plugin.js"] }) },
    { path: "conformance.yaml", content: CONFORMANCE_FEATURES },
    { path: ".gitignore", content: "node_modules/\ndist/\n*.tar.gz\n*.tar.gz.sig\n" },
    // The bundle carries the compiled dist/ and production node_modules (installed by `polyplug bundle`), not the sources.
    { path: ".polyplugignore", content: "!dist/\nsrc/\ntsconfig.json\nconformance.yaml\nREADME.md\n" },
    { path: "README.md", content: readme(spec, "TypeScript", "npm install\nnpm run build", "node dist/plugin.js") },
  ];
}
