/** A form's error line, announced to screen readers; renders nothing when there is no error. */
export function FormError({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="form-error" role="alert">
      {message}
    </p>
  );
}

/** What a submitted form reports back: a success note, or an error. */
export interface FormOutcomeValue {
  ok: boolean;
  message: string;
}

/** A form's outcome after submitting: a success note (role=status) or an error (role=alert). */
export function FormOutcome({ outcome }: { outcome: FormOutcomeValue | null }) {
  if (!outcome) return null;
  if (!outcome.ok) return <FormError message={outcome.message} />;
  return (
    <p className="form-success" role="status">
      {outcome.message}
    </p>
  );
}
