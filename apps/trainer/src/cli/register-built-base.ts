import { isInside } from "@tlab/storage/confined-path";
import type { TrainerEnv } from "../env";
import { ApiUnreachableError } from "../worker/api-client";
import { ApiRefusedError, uploadBaseModel, userToken } from "./catalog-upload";

/**
 * What became of a freshly built base model's place in the catalog:
 * - `registered` / `already-registered`: the server at the API URL has it now (uploaded; or it
 *   held this very content already);
 * - `next-start`: no server answered, and the model sits among the shipped base models, which the
 *   next server start registers;
 * - `not-registered`: no server answered and the model was written elsewhere, or upload was skipped;
 * - `refused`: a server answered and refused it (not signed in, the name taken by other content).
 * `message` says which, and what to do when the model is not in a catalog yet.
 */
export type BuiltBaseRegistration = {
  status: "registered" | "already-registered" | "next-start" | "not-registered" | "refused";
  message: string;
};

export async function registerBuiltBase(input: {
  env: TrainerEnv;
  apiUrl: string;
  name: string;
  files: ReadonlyMap<string, Uint8Array>;
  description: string;
  outDir: string;
  /** The directory of shipped base models, which server starts copy into DATA_DIR and register. */
  shippedDir: string;
}): Promise<BuiltBaseRegistration> {
  const { apiUrl, name, outDir } = input;
  const addLater = `tlab models add ${name} ${outDir}`;
  try {
    const { created } = await uploadBaseModel(
      apiUrl,
      name,
      input.files,
      { description: input.description },
      userToken(input.env, apiUrl),
    );
    return created
      ? {
          status: "registered",
          message: `registered in the catalog of ${apiUrl} as base model "${name}"`,
        }
      : {
          status: "already-registered",
          message: `"${name}" was already in the catalog of ${apiUrl} with this content; nothing changed`,
        };
  } catch (error) {
    if (error instanceof ApiUnreachableError) {
      return isInside(input.shippedDir, outDir)
        ? {
            status: "next-start",
            message: `no server answers at ${apiUrl}: the next server start (npm start, serve-web.sh, the container image) registers it as base model "${name}"`,
          }
        : {
            status: "not-registered",
            message: `no server answers at ${apiUrl}, and ${outDir} is not among the shipped base models: once a server runs, add it with: ${addLater}`,
          };
    }
    if (!(error instanceof ApiRefusedError)) throw error;
    const fix =
      error.status === 401 || error.status === 403
        ? "sign in with `tlab login` (or set TLAB_TOKEN) as a member"
        : "fix the above";
    return {
      status: "refused",
      message: `${error.message}\nthe model is written to ${outDir} but not in the catalog of ${apiUrl}: ${fix}, then run: ${addLater}`,
    };
  }
}
