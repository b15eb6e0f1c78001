// secgap's ESLint flat config: eslint-plugin-security's rules and the core
// rules that flag code built from strings (eval, new Function, setTimeout
// with a string). Installed next to node_modules by
// scripts/install-analyzers.sh and run with --config on a file in another
// folder (see analyzers/README.md); the plugin is resolved from this file's
// folder, not from the sample's.
import security from "eslint-plugin-security";

// Node.js globals (CommonJS module scope and the usual runtime globals),
// listed here rather than taken from the `globals` package.
const nodeGlobals = Object.fromEntries(
  [
    "require", "module", "exports", "__dirname", "__filename",
    "process", "Buffer", "console", "global", "globalThis",
    "setTimeout", "clearTimeout", "setInterval", "clearInterval",
    "setImmediate", "clearImmediate", "queueMicrotask", "structuredClone",
    "URL", "URLSearchParams", "TextEncoder", "TextDecoder",
    "AbortController", "AbortSignal", "EventTarget", "Event",
    "fetch", "Headers", "Request", "Response", "FormData", "Blob",
    "atob", "btoa", "performance", "crypto", "WebAssembly",
  ].map((name) => [name, "readonly"]),
);

const linterOptions = {
  // A sample's own `eslint-disable` comments must not hide findings.
  noInlineConfig: true,
  reportUnusedDisableDirectives: "off",
};

const rules = {
  "no-eval": "error",
  "no-implied-eval": "error",
  "no-new-func": "error",
  "security/detect-bidi-characters": "warn",
  "security/detect-buffer-noassert": "warn",
  "security/detect-child-process": "warn",
  "security/detect-disable-mustache-escape": "warn",
  "security/detect-eval-with-expression": "warn",
  "security/detect-invisible-characters": "warn",
  "security/detect-new-buffer": "warn",
  "security/detect-no-csrf-before-method-override": "warn",
  "security/detect-non-literal-fs-filename": "warn",
  "security/detect-non-literal-regexp": "warn",
  "security/detect-non-literal-require": "warn",
  "security/detect-object-injection": "warn",
  "security/detect-possible-timing-attacks": "warn",
  "security/detect-pseudoRandomBytes": "warn",
  "security/detect-unsafe-regex": "warn",
};

export default [
  {
    files: ["**/*.js", "**/*.cjs"],
    plugins: { security },
    languageOptions: { ecmaVersion: "latest", sourceType: "commonjs", globals: nodeGlobals },
    linterOptions,
    rules,
  },
  // ES modules get the same rules: without this block ESLint's defaults
  // would lint a .mjs file with no rule at all and report nothing.
  {
    files: ["**/*.mjs"],
    plugins: { security },
    languageOptions: { ecmaVersion: "latest", sourceType: "module", globals: nodeGlobals },
    linterOptions,
    rules,
  },
];
