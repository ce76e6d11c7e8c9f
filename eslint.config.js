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
  {
    // The engine is pure: no I/O, no service libraries (ARCHITECTURE.md, "Folders").
    files: ["src/index/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
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
            { group: ["../*", "!./*"], message: "src/index imports nothing outside src/index." },
          ],
        },
      ],
    },
  },
);
