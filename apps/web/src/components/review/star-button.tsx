"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useCan } from "@/components/auth/current-user";
import { useTRPC } from "@/trpc/react";
import styles from "./labels.module.css";

interface Props {
  experimentId: string;
  experimentName: string;
  starred: boolean;
  count: number;
}

/** The caller's star on an experiment, with everyone's count; members toggle it, viewers see the count. */
export function StarButton({ experimentId, experimentName, starred, count }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canStar = useCan("member");
  const setStar = useMutation(
    trpc.review.setStar.mutationOptions({
      onSuccess: (labels) => {
        queryClient.setQueryData(trpc.review.labels.queryKey({ experimentId }), labels);
        return queryClient.invalidateQueries(trpc.experiment.table.pathFilter());
      },
    }),
  );
  const shown = setStar.isPending ? !starred : starred;
  const label = `${shown ? "Unstar" : "Star"} ${experimentName} (${count} star${count === 1 ? "" : "s"})`;
  return (
    <button
      type="button"
      className={styles.star}
      aria-pressed={shown}
      aria-label={canStar ? label : `${count} star${count === 1 ? "" : "s"}`}
      title={
        setStar.error?.message ?? (canStar ? label : "Members and admins can star experiments")
      }
      disabled={!canStar || setStar.isPending}
      onClick={() => setStar.mutate({ experimentId, starred: !starred })}
    >
      <span className={styles.starIcon} aria-hidden="true">
        {shown ? "★" : "☆"}
      </span>
      {count}
    </button>
  );
}
