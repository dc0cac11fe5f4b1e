import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { CurrentUserProvider } from "@/components/auth/current-user";
import { UserMenu } from "@/components/auth/user-menu";
import { currentPrincipal } from "@/server/current-user";
import { TrpcReactProvider } from "@/trpc/react";
import "./globals.css";
import "./auth.css";

export const metadata: Metadata = {
  title: { default: "Transfer Lab", template: "%s · Transfer Lab" },
  description:
    "Compare transfer-learning strategies: frozen feature extractor, partial and full fine-tuning",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const principal = await currentPrincipal();
  const user = principal.kind === "user" ? principal.user : null;
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            Transfer Lab
          </Link>
          {/* Signed out, the pages would only redirect to sign-in: no navigation to offer. */}
          {user ? (
            <nav aria-label="Main">
              <Link href="/">Experiments</Link>
              <Link href="/runs">Runs</Link>
              <Link href="/datasets">Datasets</Link>
              <Link href="/models">Models</Link>
              <Link href="/workers">Workers</Link>
              <Link href="/activity">Activity</Link>
              <Link href="/api-reference">API</Link>
            </nav>
          ) : null}
          <UserMenu user={user} />
        </header>
        <main className="page">
          <CurrentUserProvider user={user}>
            <TrpcReactProvider>{children}</TrpcReactProvider>
          </CurrentUserProvider>
        </main>
      </body>
    </html>
  );
}
