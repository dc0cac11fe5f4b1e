/** Names the worker that uploads an artifact; it must be the worker holding the run. */
export const WORKER_ID_HEADER = "x-tlab-worker-id";
