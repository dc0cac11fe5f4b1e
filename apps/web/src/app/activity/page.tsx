import type { Metadata } from "next";
import { connection } from "next/server";
import { ActivityFeed } from "@/components/review/activity-feed";
import { requireUser } from "@/server/current-user";

export const metadata: Metadata = { title: "Activity" };

export default async function ActivityPage() {
  await connection();
  await requireUser();
  return <ActivityFeed limit={100} />;
}
