// One lint configuration for the whole repository (flat config, typescript-eslint).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "bench/results/", "tools/**/build/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: "readonly",
        process: "readonly",
        Buffer: "readonly",
        setTimeout: "readonly",
        clearTimeout: "readonly",
        setInterval: "readonly",
        clearInterval: "readonly",
        setImmediate: "readonly",
        URL: "readonly",
        AbortController: "readonly",
        AbortSignal: "readonly",
        performance: "readonly",
        WebAssembly: "readonly",
        TextEncoder: "readonly",
        TextDecoder: "readonly",
        fetch: "readonly",
      },
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  // The layering of src/ (README, "Architecture"): each folder imports only the folders it may.
  ...layeringRules(),
);

/**
 * One `no-restricted-imports` block per src/ folder. `mayImport` lists the src/ folders and top
 * files (by name without `.ts`) a folder may import; everything else in src/ is refused with the
 * reason. The engine is pure: besides src/, it may not import service libraries or Node I/O.
 */
function layeringRules() {
  const FOLDERS = [
    "index",
    "collection",
    "stream",
    "producer",
    "http",
    "snapshot",
    "quality",
    "datasets",
    "cluster",
  ];
  const TOP_FILES = ["config", "metrics", "logger", "membership", "service", "main"];
  const mayImport = {
    index: [],
    collection: ["index", "config"],
    stream: ["index", "collection"],
    producer: ["stream", "datasets"],
    http: ["collection", "index", "config", "metrics"],
    snapshot: ["index"],
    quality: ["index"],
    datasets: [],
    cluster: ["index", "collection", "stream", "config", "metrics", "logger", "membership"],
  };
  const pure = [
    {
      group: ["kafkajs", "express", "prom-client", "rxjs", "rxjs/*", "pino"],
      message: "src/index is the pure engine: no service libraries.",
    },
    {
      group: [
        "node:fs",
        "node:fs/*",
        "fs",
        "node:net",
        "node:http",
        "node:child_process",
        "node:worker_threads",
      ],
      message: "src/index does no I/O.",
    },
  ];
  return FOLDERS.map((folder) => {
    const allowed = new Set(mayImport[folder]);
    const refused = [
      ...(folder === "index" ? ["../*"] : []),
      ...FOLDERS.filter((f) => f !== folder && !allowed.has(f)).map((f) => `../${f}/*`),
      ...TOP_FILES.filter((f) => !allowed.has(f)).map((f) => `../${f}.js`),
    ];
    const allowedText = mayImport[folder].length > 0 ? mayImport[folder].join(", ") : "nothing outside it";
    const patterns = [
      { group: refused, message: `src/${folder} may import ${allowedText} (README, "Architecture").` },
      ...(folder === "index" ? pure : []),
    ];
    return { files: [`src/${folder}/**/*.ts`], rules: { "no-restricted-imports": ["error", { patterns }] } };
  });
}
