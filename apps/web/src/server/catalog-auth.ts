import { authorize, type Authorized } from "./request-auth";

/**
 * Who may use the catalog's route handlers, in one place. Adding a dataset or base model is a
 * member's action (the dashboard's upload, or `tlab datasets add` / `tlab models add` with a
 * personal token: TLAB_TOKEN or `tlab login`). Worker tokens are scoped to the worker procedures
 * and the files a run needs, so they may download but not add. Downloading a dataset is for
 * workers and signed-in users, like base model files.
 */
export function authorizeCatalog(req: Request, action: "add" | "download"): Promise<Authorized> {
  return authorize(req, action === "add" ? "member" : ["viewer", "worker"]);
}
