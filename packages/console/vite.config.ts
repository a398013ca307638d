import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// In development the dashboard is served by Vite and its API calls are proxied to a
// running API role, so the browser sees one origin, as it does when the API serves
// the built dashboard itself.
const apiUrl = process.env.HANGAR_CONSOLE_API_URL ?? "http://127.0.0.1:8081";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  // One bundle (recharts is most of it), loaded once per visit and cached after.
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1_200 },
  server: {
    proxy: {
      "/hangar.v1.": { target: apiUrl, changeOrigin: true },
      "/v1/": { target: apiUrl, changeOrigin: true },
    },
  },
});
