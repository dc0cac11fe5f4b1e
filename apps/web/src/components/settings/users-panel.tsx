"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { ROLES, type InviteDto, type Role, type UserDto } from "@tlab/core/access";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { FormError } from "@/components/form-messages";

interface Props {
  me: string;
  initialUsers: UserDto[];
  initialInvites: InviteDto[];
}

const ROLE_HINT: Record<Role, string> = {
  viewer: "reads everything, changes nothing",
  member: "launches, cancels and retries runs",
  admin: "also manages users and tokens",
};

/** Admin: invite people, change roles, deactivate and reactivate accounts. */
export function UsersPanel({ me, initialUsers, initialInvites }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery({ ...trpc.user.list.queryOptions(), initialData: initialUsers });
  const invites = useQuery({ ...trpc.user.invites.queryOptions(), initialData: initialInvites });
  const refresh = () => queryClient.invalidateQueries(trpc.user.pathFilter());
  const [link, setLink] = useState<{ email: string; url: string } | null>(null);
  const invite = useMutation(
    trpc.user.invite.mutationOptions({
      onSuccess: (created) => {
        setLink({ email: created.invite.email, url: `${window.location.origin}${created.path}` });
        return refresh();
      },
    }),
  );
  const setRole = useMutation(trpc.user.setRole.mutationOptions({ onSettled: refresh }));
  const setActive = useMutation(trpc.user.setActive.mutationOptions({ onSettled: refresh }));
  const revokeInvite = useMutation(trpc.user.revokeInvite.mutationOptions({ onSettled: refresh }));
  const error = invite.error ?? setRole.error ?? setActive.error ?? revokeInvite.error;

  function onInvite(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    invite.mutate({ email: String(form.get("email")), role: String(form.get("role")) as Role });
    event.currentTarget.reset();
  }

  return (
    <>
      <section className="form-section" aria-labelledby="invite-heading">
        <h2 id="invite-heading">Invite someone</h2>
        <form className="token-form" onSubmit={onInvite} aria-label="Invite a user">
          <div className="field">
            <label htmlFor="invite-email">Email</label>
            <input id="invite-email" name="email" type="email" required maxLength={254} />
          </div>
          <div className="field">
            <label htmlFor="invite-role">Role</label>
            <select id="invite-role" name="role" defaultValue="member">
              {ROLES.map((role) => (
                <option key={role} value={role}>
                  {role}: {ROLE_HINT[role]}
                </option>
              ))}
            </select>
          </div>
          <div className="form-actions">
            <button type="submit" className="button button-primary" disabled={invite.isPending}>
              {invite.isPending ? "Inviting…" : "Create invitation link"}
            </button>
          </div>
        </form>
        {link ? (
          <div className="token-once" role="status" aria-label="Invitation link">
            <p>
              Send this link to <strong>{link.email}</strong> (valid for 7 days, once). It is not
              shown again.
            </p>
            <code className="token-secret" data-testid="invite-link">
              {link.url}
            </code>
            <button type="button" className="button button-small" onClick={() => setLink(null)}>
              Done
            </button>
          </div>
        ) : null}
      </section>
      <FormError message={error?.message} />
      <section className="form-section" aria-labelledby="users-heading">
        <h2 id="users-heading">Users</h2>
        <table className="data-table" aria-label="Users">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Since</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {users.data.map((user) => (
              <tr key={user.id}>
                <td>{user.name}</td>
                <td>{user.email}</td>
                <td>
                  <select
                    aria-label={`Role of ${user.email}`}
                    value={user.role}
                    disabled={setRole.isPending}
                    onChange={(event) =>
                      setRole.mutate({ userId: user.id, role: event.target.value as Role })
                    }
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {role}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="nowrap">{formatDateTime(user.createdAt)}</td>
                <td>{user.active ? "active" : "deactivated"}</td>
                <td>
                  {user.id === me ? (
                    <span className="muted small">you</span>
                  ) : (
                    <button
                      type="button"
                      className={
                        user.active ? "button button-small button-danger" : "button button-small"
                      }
                      aria-label={`${user.active ? "Deactivate" : "Reactivate"} ${user.email}`}
                      disabled={setActive.isPending}
                      onClick={() => setActive.mutate({ userId: user.id, active: !user.active })}
                    >
                      {user.active ? "Deactivate" : "Reactivate"}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="form-section" aria-labelledby="invites-heading">
        <h2 id="invites-heading">Invitations</h2>
        <table className="data-table" aria-label="Invitations">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Invited by</th>
              <th>Expires</th>
              <th>Status</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {invites.data.length === 0 ? (
              <tr>
                <td colSpan={6} className="table-empty">
                  No invitations yet.
                </td>
              </tr>
            ) : (
              invites.data.map((item) => {
                const open =
                  !item.acceptedAt &&
                  !item.revokedAt &&
                  new Date(item.expiresAt).getTime() > Date.now();
                return (
                  <tr key={item.id}>
                    <td>{item.email}</td>
                    <td>{item.role}</td>
                    <td>{item.invitedByEmail}</td>
                    <td className="nowrap">{formatDateTime(item.expiresAt)}</td>
                    <td>
                      {item.acceptedAt
                        ? `accepted ${formatDateTime(item.acceptedAt)}`
                        : item.revokedAt
                          ? "revoked"
                          : open
                            ? "open"
                            : "expired"}
                    </td>
                    <td>
                      {open ? (
                        <button
                          type="button"
                          className="button button-small button-danger"
                          aria-label={`Revoke the invitation of ${item.email}`}
                          onClick={() => revokeInvite.mutate({ id: item.id })}
                        >
                          Revoke
                        </button>
                      ) : null}
                    </td>
                  </tr>
                );
              })
            )}
          </tbody>
        </table>
      </section>
    </>
  );
}
