// The app lives inside the test's install folder, whose node_modules holds Next.js and
// the packed package: that folder is the root (Next.js would otherwise pick the
// repository's package-lock.json above it as a monorepo root).
import { resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
export default { turbopack: { root }, outputFileTracingRoot: root };
