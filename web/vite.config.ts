import { defineConfig } from "vitest/config";
import { graphqlDocuments } from "./scripts/vite-documents";

// Without @vitejs/plugin-react: esbuild compiles TSX with the automatic JSX runtime (no Fast Refresh,
// a full reload on change in `npm run dev`, which is fine for this app's size).
const gateway = process.env.KABINET_GATEWAY ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [graphqlDocuments(import.meta.dirname)],
  esbuild: { jsx: "automatic" },
  build: {
    target: "es2022",
    sourcemap: false,
    // dist/.vite/manifest.json: what each chunk imports, for scripts/firstload.mjs (a hidden file: never served)
    manifest: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: {
      "/graphql": { target: gateway, ws: true, changeOrigin: false },
      "/services": { target: gateway },
      "/calendar": { target: gateway },
    },
  },
  preview: {
    proxy: {
      "/graphql": { target: gateway, ws: true },
      "/services": { target: gateway },
      "/calendar": { target: gateway },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx", "scripts/**/*.test.ts"],
  },
});
