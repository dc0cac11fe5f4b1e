"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { ApiTokenDto, CreatedTokenDto } from "@tlab/core/access";
import { formatDateTime } from "@/lib/format";
import { useTRPC } from "@/trpc/react";
import { FormError } from "@/components/form-messages";

interface Props {
  kind: "personal" | "worker";
  initial: ApiTokenDto[];
}

const COPY = {
  personal: {
    title: "Personal tokens",
    intro:
      "For the tlab CLI and scripts: a personal token acts as you, with your role. Use it as TLAB_TOKEN, or run `tlab login`.",
    usage: (token: string) => `export TLAB_TOKEN=${token}`,
  },
  worker: {
    title: "Worker tokens",
    intro:
      "For trainer workers on other machines: a worker token may claim and train runs, and nothing else.",
    usage: (token: string) =>
      `TLAB_API_URL=${typeof window === "undefined" ? "" : window.location.origin} TLAB_WORKER_TOKEN=${token} tlab worker`,
  },
} as const;

/** A list of tokens of one kind, a form to create one (its secret shown once) and revoke buttons. */
export function TokensPanel({ kind, initial }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const listQuery = kind === "personal" ? trpc.token.listPersonal : trpc.token.listWorker;
  const tokens = useQuery({ ...listQuery.queryOptions(), initialData: initial });
  const refresh = () => queryClient.invalidateQueries({ queryKey: listQuery.queryKey() });
  const create = useMutation(
    (kind === "personal" ? trpc.token.createPersonal : trpc.token.createWorker).mutationOptions({
      onSuccess: (created) => {
        setCreated(created);
        return refresh();
      },
    }),
  );
  const revoke = useMutation(
    (kind === "personal" ? trpc.token.revokePersonal : trpc.token.revokeWorker).mutationOptions({
      onSettled: refresh,
    }),
  );
  const [created, setCreated] = useState<CreatedTokenDto | null>(null);
  const copy = COPY[kind];
  const headingId = `${kind}-tokens-heading`;

  function onCreate(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const days = String(form.get("expiresInDays") ?? "");
    create.mutate({
      name: String(form.get("name")),
      ...(days ? { expiresInDays: Number(days) } : {}),
    });
    event.currentTarget.reset();
  }

  return (
    <section className="form-section" aria-labelledby={headingId}>
      <h2 id={headingId}>{copy.title}</h2>
      <p className="muted">{copy.intro}</p>
      <form className="token-form" onSubmit={onCreate} aria-label={`Create a ${kind} token`}>
        <div className="field">
          <label htmlFor={`${kind}-token-name`}>Token name</label>
          <input
            id={`${kind}-token-name`}
            name="name"
            required
            maxLength={100}
            placeholder={kind === "personal" ? "laptop CLI" : "gpu-host-1"}
          />
        </div>
        <div className="field">
          <label htmlFor={`${kind}-token-expiry`}>Expires after</label>
          <select id={`${kind}-token-expiry`} name="expiresInDays" defaultValue="">
            <option value="">never (until revoked)</option>
            <option value="30">30 days</option>
            <option value="90">90 days</option>
            <option value="365">1 year</option>
          </select>
        </div>
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : `Create ${kind} token`}
          </button>
        </div>
        <FormError message={create.error?.message} />
      </form>
      {created ? (
        <div className="token-once" role="status" aria-label="New token">
          <p>
            <strong>{created.info.name}</strong>: copy the token now, it will not be shown again.
          </p>
          <code className="token-secret" data-testid={`new-${kind}-token`}>
            {created.token}
          </code>
          <p className="muted small">
            <code>{copy.usage(created.token)}</code>
          </p>
          <button type="button" className="button button-small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      ) : null}
      <table className="data-table" aria-label={copy.title}>
        <thead>
          <tr>
            <th>Name</th>
            <th>Token</th>
            {kind === "worker" ? <th>Created by</th> : null}
            <th>Created</th>
            <th>Last used</th>
            <th>Expires</th>
            <th>Status</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.data.length === 0 ? (
            <tr>
              <td colSpan={kind === "worker" ? 8 : 7} className="table-empty">
                No {kind} tokens yet.
              </td>
            </tr>
          ) : (
            tokens.data.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>
                  <code>{token.prefix}…</code>
                </td>
                {kind === "worker" ? <td>{token.ownerEmail}</td> : null}
                <td className="nowrap">{formatDateTime(token.createdAt)}</td>
                <td className="nowrap">
                  {token.lastUsedAt ? formatDateTime(token.lastUsedAt) : "never"}
                </td>
                <td className="nowrap">
                  {token.expiresAt ? formatDateTime(token.expiresAt) : "—"}
                </td>
                <td>
                  {token.revokedAt
                    ? `revoked ${formatDateTime(token.revokedAt)}`
                    : isExpired(token)
                      ? "expired"
                      : "active"}
                </td>
                <td>
                  {token.revokedAt ? null : (
                    <button
                      type="button"
                      className="button button-small button-danger"
                      aria-label={`Revoke ${token.name}`}
                      disabled={revoke.isPending}
                      onClick={() => {
                        if (
                          window.confirm(
                            `Revoke "${token.name}"? Programs using it stop working at once.`,
                          )
                        )
                          revoke.mutate({ id: token.id });
                      }}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <FormError message={revoke.error?.message} />
    </section>
  );
}

function isExpired(token: ApiTokenDto): boolean {
  return token.expiresAt !== null && new Date(token.expiresAt).getTime() <= Date.now();
}
