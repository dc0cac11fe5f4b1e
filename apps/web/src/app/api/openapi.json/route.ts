import { openApiDocument } from "@tlab/api/http/openapi-document";
import { APP_VERSION } from "@/server/version";

export const dynamic = "force-static";

/** The API's description: public like any API reference, it holds no data. */
export async function GET(): Promise<Response> {
  return Response.json(openApiDocument({ version: APP_VERSION }), {
    headers: { "Cache-Control": "public, max-age=300" },
  });
}
