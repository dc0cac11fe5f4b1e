import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { getAppContext } from "@/server/app-context";

export const metadata: Metadata = { title: "Create the admin account" };

/** First run: the first account created becomes the admin. Afterwards sign-up needs an invitation. */
export default async function SignUpPage() {
  await connection();
  const { services } = await getAppContext();
  if ((await services.userAdmin.countAccounts()) > 0) {
    return (
      <section className="auth-page">
        <h1>Sign-up is by invitation</h1>
        <p>
          This server already has accounts. An admin can invite you from Settings → Users; the
          invitation link lets you create your account.
        </p>
        <p>
          <Link href="/sign-in">Sign in</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="auth-page">
      <h1>Welcome to Transfer Lab</h1>
      <p className="notice">
        This server has no accounts yet. The account you create now is its admin: it can invite the
        rest of the team.
      </p>
      <SignUpForm submitLabel="Create admin account" />
    </section>
  );
}
