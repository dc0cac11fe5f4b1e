import type { Metadata } from "next";
import { headers } from "next/headers";
import { connection } from "next/server";
import { PasswordForm } from "@/components/settings/password-form";
import { ProfileForm } from "@/components/settings/profile-form";
import { SessionsPanel } from "@/components/settings/sessions-panel";
import { getAppContext } from "@/server/app-context";
import { requireUser } from "@/server/current-user";

export const metadata: Metadata = { title: "Account" };

export default async function AccountPage() {
  await connection();
  const user = await requireUser();
  const { auth } = await getAppContext();
  const session = await auth.api.getSession({ headers: await headers() });
  return (
    <>
      <div className="page-header">
        <h1>Account</h1>
        <p className="muted">
          {user.email}, {user.role}
        </p>
      </div>
      <section className="form-section" aria-labelledby="profile-heading">
        <h2 id="profile-heading">Profile</h2>
        <ProfileForm name={user.name} email={user.email} />
      </section>
      <section className="form-section" aria-labelledby="password-heading">
        <h2 id="password-heading">Password</h2>
        <PasswordForm />
      </section>
      <SessionsPanel currentSessionId={session?.session.id ?? null} />
    </>
  );
}
