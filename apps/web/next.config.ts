import path from "node:path";
import { fileURLToPath } from "node:url";
import type { NextConfig } from "next";
import { API_CONTENT_SECURITY_POLICY, SECURITY_HEADERS } from "./src/security-headers";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

const nextConfig: NextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The workspace packages export raw TypeScript (`"./*": "./src/*.ts"`).
  transpilePackages: ["@tlab/core", "@tlab/api", "@tlab/db", "@tlab/images", "@tlab/storage"],
  // Native bindings and Prisma's runtime are loaded by Node at run time, not bundled.
  serverExternalPackages: [
    "better-sqlite3",
    "@prisma/adapter-better-sqlite3",
    "@prisma/adapter-pg",
    "pg",
    "@prisma/client",
    "sharp",
    "adm-zip",
  ],
  turbopack: { root: repoRoot },
  outputFileTracingRoot: repoRoot,
  // Pages get their CSP (with a per-request nonce) from proxy.ts; everything gets the rest.
  async headers() {
    return [
      { source: "/:path*", headers: SECURITY_HEADERS },
      {
        source: "/api/:path*",
        headers: [{ key: "Content-Security-Policy", value: API_CONTENT_SECURITY_POLICY }],
      },
    ];
  },
};

export default nextConfig;
