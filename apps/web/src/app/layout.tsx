import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { TrpcReactProvider } from "@/trpc/react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Transfer Lab", template: "%s · Transfer Lab" },
  description: "Compare transfer-learning strategies: frozen feature extractor, partial and full fine-tuning",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="topbar">
          <Link href="/" className="brand">
            Transfer Lab
          </Link>
          <nav aria-label="Main">
            <Link href="/">Experiments</Link>
            <Link href="/workers">Workers</Link>
          </nav>
        </header>
        <main className="page">
          <TrpcReactProvider>{children}</TrpcReactProvider>
        </main>
      </body>
    </html>
  );
}
