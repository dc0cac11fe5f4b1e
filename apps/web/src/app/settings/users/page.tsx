import type { Metadata } from "next";
import { connection } from "next/server";
import { UsersPanel } from "@/components/settings/users-panel";
import { requireUser } from "@/server/current-user";
import { serverApi } from "@/trpc/server";

export const metadata: Metadata = { title: "Users" };

export default async function UsersPage() {
  await connection();
  const user = await requireUser();
  if (user.role !== "admin") {
    return (
      <section>
        <h1>Users</h1>
        <p role="alert">Only admins manage users; you are signed in as {user.role}.</p>
      </section>
    );
  }
  const api = await serverApi();
  const [users, invites] = await Promise.all([api.user.list(), api.user.invites()]);
  return (
    <>
      <div className="page-header">
        <h1>Users</h1>
      </div>
      <UsersPanel me={user.id} initialUsers={users} initialInvites={invites} />
    </>
  );
}
