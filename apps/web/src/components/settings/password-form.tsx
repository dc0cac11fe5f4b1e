"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { ChangePasswordInput, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "@tlab/core/access";
import { FormOutcome, type FormOutcomeValue } from "@/components/form-messages";
import { FormField, fieldA11y } from "@/components/launch/form-field";
import { authClient, authErrorMessage } from "@/lib/auth-client";

/**
 * Changes the signed-in user's password through better-auth, which checks the current one first
 * (rate limited like sign-in). Optionally signs out every other browser; API tokens are separate
 * credentials and stay valid (revoke them under API tokens).
 */
export function PasswordForm() {
  const [outcome, setOutcome] = useState<FormOutcomeValue | null>(null);
  const {
    register,
    handleSubmit,
    reset,
    setError,
    formState: { errors, isSubmitting },
  } = useForm<ChangePasswordInput>({
    resolver: zodResolver(ChangePasswordInput),
    defaultValues: {
      currentPassword: "",
      newPassword: "",
      confirmPassword: "",
      revokeOtherSessions: true,
    },
  });

  async function onSubmit(input: ChangePasswordInput) {
    setOutcome(null);
    const { error } = await authClient.changePassword({
      currentPassword: input.currentPassword,
      newPassword: input.newPassword,
      revokeOtherSessions: input.revokeOtherSessions,
    });
    if (error) {
      // better-auth answers a wrong current password with 400 INVALID_PASSWORD.
      if (error.status === 400 && /password/i.test(error.message ?? "")) {
        setError("currentPassword", {
          message: "currentPassword: this is not your current password",
        });
      } else {
        setOutcome({ ok: false, message: authErrorMessage(error) });
      }
      return;
    }
    reset();
    setOutcome({
      ok: true,
      message: input.revokeOtherSessions
        ? "Password changed; your other browsers are signed out."
        : "Password changed.",
    });
  }

  return (
    <form
      className="auth-form"
      onSubmit={handleSubmit(onSubmit)}
      aria-label="Change password"
      noValidate
    >
      <FormField
        id="current-password"
        label="Current password"
        error={errors.currentPassword?.message}
      >
        <input
          id="current-password"
          type="password"
          autoComplete="current-password"
          maxLength={MAX_PASSWORD_LENGTH}
          {...register("currentPassword")}
          {...fieldA11y("current-password", errors.currentPassword)}
        />
      </FormField>
      <FormField
        id="new-password"
        label="New password"
        hint={`${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`}
        error={errors.newPassword?.message}
      >
        <input
          id="new-password"
          type="password"
          autoComplete="new-password"
          maxLength={MAX_PASSWORD_LENGTH}
          {...register("newPassword")}
          {...fieldA11y("new-password", errors.newPassword, true)}
        />
      </FormField>
      <FormField
        id="confirm-password"
        label="New password again"
        error={errors.confirmPassword?.message}
      >
        <input
          id="confirm-password"
          type="password"
          autoComplete="new-password"
          maxLength={MAX_PASSWORD_LENGTH}
          {...register("confirmPassword")}
          {...fieldA11y("confirm-password", errors.confirmPassword)}
        />
      </FormField>
      <label className="inline-check">
        <input type="checkbox" {...register("revokeOtherSessions")} /> Sign out my other browsers
      </label>
      <FormOutcome outcome={outcome} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={isSubmitting}>
          {isSubmitting ? "Changing…" : "Change password"}
        </button>
      </div>
    </form>
  );
}
