import type { Metadata } from "next";
import { openApiDocument } from "@tlab/api/http/openapi-document";
import { ApiReference } from "@/components/api-reference/api-reference";
import { requireUser } from "@/server/current-user";
import { APP_VERSION } from "@/server/version";

export const metadata: Metadata = { title: "API" };

/** The HTTP API for people, rendered from the same document /api/openapi.json serves. */
export default async function ApiReferencePage() {
  await requireUser();
  return (
    <>
      <div className="page-header">
        <h1>API</h1>
      </div>
      <ApiReference document={openApiDocument({ version: APP_VERSION })} />
    </>
  );
}
