"use client";

import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { useForm } from "react-hook-form";
import { MAX_NAME_LENGTH, UpdateProfileInput } from "@tlab/core/access";
import { FormOutcome, type FormOutcomeValue } from "@/components/form-messages";
import { FormField, fieldA11y } from "@/components/launch/form-field";
import { authClient, authErrorMessage } from "@/lib/auth-client";

/** The display name shown on comments, decisions and the activity feed. The email is fixed. */
export function ProfileForm({ name, email }: { name: string; email: string }) {
  const router = useRouter();
  const [outcome, setOutcome] = useState<FormOutcomeValue | null>(null);
  const {
    register,
    handleSubmit,
    formState: { errors, isSubmitting, isDirty },
    reset,
  } = useForm<UpdateProfileInput>({
    resolver: zodResolver(UpdateProfileInput),
    defaultValues: { name },
  });

  async function onSubmit(input: UpdateProfileInput) {
    setOutcome(null);
    const { error } = await authClient.updateUser({ name: input.name });
    if (error) {
      setOutcome({ ok: false, message: authErrorMessage(error) });
      return;
    }
    reset(input);
    setOutcome({ ok: true, message: "Name saved." });
    router.refresh();
  }

  return (
    <form className="auth-form" onSubmit={handleSubmit(onSubmit)} aria-label="Profile" noValidate>
      <div className="field">
        <label htmlFor="profile-email">Email</label>
        <input id="profile-email" type="email" value={email} readOnly aria-readonly="true" />
      </div>
      <FormField id="profile-name" label="Name" error={errors.name?.message}>
        <input
          id="profile-name"
          autoComplete="name"
          maxLength={MAX_NAME_LENGTH}
          {...register("name")}
          {...fieldA11y("profile-name", errors.name)}
        />
      </FormField>
      <FormOutcome outcome={outcome} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={isSubmitting || !isDirty}>
          {isSubmitting ? "Saving…" : "Save name"}
        </button>
      </div>
    </form>
  );
}
