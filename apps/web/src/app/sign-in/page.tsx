import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { connection } from "next/server";
import { SignInForm } from "@/components/auth/sign-in-form";
import { safeNextPath } from "@/lib/safe-next-path";
import { getAppContext } from "@/server/app-context";
import { currentPrincipal } from "@/server/current-user";

export const metadata: Metadata = { title: "Sign in" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

export default async function SignInPage({ searchParams }: Props) {
  await connection();
  const { next } = await searchParams;
  const nextPath = typeof next === "string" ? next : null;
  if ((await currentPrincipal()).kind === "user") redirect(safeNextPath(nextPath));
  const { services } = await getAppContext();
  if ((await services.userAdmin.countAccounts()) === 0) redirect("/sign-up");
  return (
    <section className="auth-page">
      <h1>Sign in to Transfer Lab</h1>
      <SignInForm next={nextPath} />
      <p className="muted small">
        No account yet? Ask an admin of this server for an invitation link.{" "}
        <Link href="/sign-up">About sign-up</Link>
      </p>
    </section>
  );
}
