// Served by the demo at /embed/npm/; OUT_DIR is where the e2e test wants the build.
export default {
  base: "/embed/npm/",
  logLevel: "warn",
  build: { outDir: process.env.OUT_DIR || "dist", emptyOutDir: true },
};
