import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { isDomainError } from "@tlab/core/errors";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { getAppContext } from "@/server/app-context";

export const metadata: Metadata = { title: "Accept invitation" };

type Props = { params: Promise<{ token: string }> };

export default async function InvitePage({ params }: Props) {
  await connection();
  const { token } = await params;
  const { services } = await getAppContext();
  const invite = await services.userAdmin.previewInvite(token).catch((error: unknown) => {
    if (isDomainError(error)) return error.message;
    throw error;
  });
  if (typeof invite === "string") {
    return (
      <section className="auth-page">
        <h1>Invitation not valid</h1>
        <p role="alert">
          This invitation link is not valid any more (used, revoked or expired). Ask an admin for a
          new one.
        </p>
        <p>
          <Link href="/sign-in">Sign in</Link>
        </p>
      </section>
    );
  }
  return (
    <section className="auth-page">
      <h1>Join Transfer Lab</h1>
      <p>
        You are invited as <strong>{invite.role}</strong> with the address{" "}
        <strong>{invite.email}</strong>. Choose your name and a password.
      </p>
      <SignUpForm email={invite.email} inviteToken={token} submitLabel="Create account" />
    </section>
  );
}
