"use client";

import { useState, type FormEvent } from "react";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "@tlab/core/access";
import { authErrorMessage } from "@/lib/auth-client";
import { FormError } from "@/components/form-messages";

interface Props {
  /** Fixed by an invitation; free for the first account. */
  email?: string;
  inviteToken?: string;
  submitLabel: string;
}

/**
 * Creates an account through better-auth's sign-up endpoint; the server decides the role (admin
 * for the first account, the invitation's role otherwise) and refuses sign-ups without either.
 */
export function SignUpForm({ email, inviteToken, submitLabel }: Props) {
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = String(form.get("password"));
    if (password !== String(form.get("confirm"))) {
      setError("The two passwords differ.");
      return;
    }
    setPending(true);
    setError(null);
    const response = await fetch("/api/auth/sign-up/email", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: String(form.get("name")),
        email: email ?? String(form.get("email")),
        password,
        inviteToken,
      }),
    });
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { message?: string };
      setPending(false);
      setError(authErrorMessage({ message: body.message, status: response.status }));
      return;
    }
    window.location.assign("/");
  }

  return (
    <form className="auth-form" onSubmit={onSubmit} aria-label="Create account">
      <div className="field">
        <label htmlFor="name">Name</label>
        <input id="name" name="name" autoComplete="name" required maxLength={100} />
      </div>
      <div className="field">
        <label htmlFor="email">Email</label>
        {email ? (
          <input id="email" name="email" type="email" value={email} readOnly aria-readonly="true" />
        ) : (
          <input
            id="email"
            name="email"
            type="email"
            autoComplete="username"
            required
            maxLength={254}
          />
        )}
      </div>
      <div className="field">
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          maxLength={MAX_PASSWORD_LENGTH}
          aria-describedby="password-hint"
        />
        <p id="password-hint" className="hint">
          At least {MIN_PASSWORD_LENGTH} characters.
        </p>
      </div>
      <div className="field">
        <label htmlFor="confirm">Repeat password</label>
        <input
          id="confirm"
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          minLength={MIN_PASSWORD_LENGTH}
          maxLength={MAX_PASSWORD_LENGTH}
        />
      </div>
      <FormError message={error} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={pending}>
          {pending ? "Creating…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
