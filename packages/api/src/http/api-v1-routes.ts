import { z } from "zod";
import type { AccessLevel } from "@tlab/core/access";
import {
  CreateExternalExperimentInput,
  FailExternalRunInput,
  FinishExternalRunInput,
  ListQuery,
  LogExternalMetricsInput,
  StartExternalRunInput,
} from "@tlab/core/external-run";

/**
 * The HTTP API under /api/v1, described once: the route handlers in apps/web parse their input
 * with these schemas and check these access levels, and the OpenAPI document is generated from
 * the same table, so the document cannot drift from what the server accepts.
 */
export interface ApiRoute {
  method: "get" | "post";
  /** OpenAPI path template: `{experimentId}` for a path parameter. */
  path: string;
  access: Extract<AccessLevel, "viewer" | "member">;
  summary: string;
  description?: string;
  tag: "Experiments" | "Runs";
  query?: z.ZodType;
  body?: z.ZodType;
  /** Status of a successful answer and what it holds. */
  success: { status: 200 | 201; description: string; schema?: z.ZodType };
  /** An example body the server accepts (checked by the document's test). */
  example?: unknown;
}

const IdParam = z.string().min(1).max(64);
export const PATH_PARAMS = { experimentId: IdParam, runId: IdParam } as const;

const Created = z.object({
  id: z.string(),
  created: z.boolean().describe("false when a retried create returned the earlier one"),
});

export const API_V1_ROUTES = {
  listExperiments: {
    method: "get",
    path: "/api/v1/experiments",
    access: "viewer",
    tag: "Experiments",
    summary: "List experiments, newest first",
    query: ListQuery,
    success: {
      status: 200,
      description:
        "`{ items: ExperimentSummary[], nextCursor }`; pass nextCursor as `cursor` for the next page.",
    },
  },
  createExperiment: {
    method: "post",
    path: "/api/v1/experiments",
    access: "member",
    tag: "Experiments",
    summary: "Create an external experiment",
    description:
      "Its runs are reported by a client (this API) instead of trained by workers; the base model and dataset are free-form names.",
    body: CreateExternalExperimentInput,
    success: {
      status: 201,
      description: "The experiment's id, as in the dashboard's URLs.",
      schema: Created,
    },
    example: { name: "resnet18 → flowers", baseModel: "resnet18-imagenet", dataset: "flowers-102" },
  },
  getExperiment: {
    method: "get",
    path: "/api/v1/experiments/{experimentId}",
    access: "viewer",
    tag: "Experiments",
    summary: "An experiment with its runs",
    success: { status: 200, description: "ExperimentDetail: settings, source, runs." },
  },
  listRuns: {
    method: "get",
    path: "/api/v1/experiments/{experimentId}/runs",
    access: "viewer",
    tag: "Runs",
    summary: "The runs of an experiment",
    success: { status: 200, description: "`{ items: RunSummary[] }`, by strategy then seed." },
  },
  startRun: {
    method: "post",
    path: "/api/v1/experiments/{experimentId}/runs",
    access: "member",
    tag: "Runs",
    summary: "Start a run of an external experiment",
    description: "The run is RUNNING at once; report its metrics, then finish or fail it.",
    body: StartExternalRunInput,
    success: {
      status: 201,
      description: "The run's id, as in the dashboard's URLs.",
      schema: Created,
    },
    example: {
      strategy: "partial",
      seed: 1,
      settings: { cut: "layer3", learningRate: 0.01, extra: { optimizer: "sgd" } },
      trainableParams: 8_400_000,
      totalParams: 11_200_000,
    },
  },
  getComparison: {
    method: "get",
    path: "/api/v1/experiments/{experimentId}/comparison",
    access: "viewer",
    tag: "Experiments",
    summary: "The experiment's comparison: every run's metric series and final metrics",
    description:
      "What the experiment page charts: per run, each metric series (downsampled to at most 2,000 points), and the final metrics of each succeeded run keyed by run id.",
    success: { status: 200, description: "`{ experiment, series, finalMetrics }`." },
  },
  getRun: {
    method: "get",
    path: "/api/v1/runs/{runId}",
    access: "viewer",
    tag: "Runs",
    summary: "A run: status, final metrics, and what a client reported",
    success: {
      status: 200,
      description:
        "RunDetail plus `reported: { settings, predictions }` (null for runs trained by workers).",
    },
  },
  getMetrics: {
    method: "get",
    path: "/api/v1/runs/{runId}/metrics",
    access: "viewer",
    tag: "Runs",
    summary: "A run's metric series",
    success: { status: 200, description: "`{ series: [{ name, points: [{ step, value }] }] }`." },
  },
  logMetrics: {
    method: "post",
    path: "/api/v1/runs/{runId}/metrics",
    access: "member",
    tag: "Runs",
    summary: "Report metric points of a running run (batched)",
    description:
      "Idempotent: a point is keyed by (run, name, step), so a retried batch overwrites the same points. Steps are epochs. The dashboard charts `train/loss`, `train/accuracy`, `val/loss`, `val/accuracy`.",
    body: LogExternalMetricsInput,
    success: {
      status: 200,
      description: "How many points were stored, and whether someone asked to cancel the run.",
      schema: z.object({ accepted: z.number().int(), cancelRequested: z.boolean() }),
    },
    example: {
      points: [
        { name: "train/loss", step: 1, value: 0.9 },
        { name: "val/accuracy", step: 1, value: 0.62 },
      ],
    },
  },
  finishRun: {
    method: "post",
    path: "/api/v1/runs/{runId}/finish",
    access: "member",
    tag: "Runs",
    summary: "Finish a run with its test results",
    description:
      "Optionally per-image predictions (`labels`, `predicted`, `confidences`, `classNames`), from which the confusion matrix and per-class metrics are derived, or a `confusionMatrix`. Idempotent: finishing a succeeded run again changes nothing.",
    body: FinishExternalRunInput,
    success: {
      status: 200,
      description: "The run's status.",
      schema: z.object({ status: z.literal("SUCCEEDED") }),
    },
    example: {
      testAccuracy: 0.75,
      classNames: ["daisy", "rose"],
      labels: [0, 1, 1, 0],
      predicted: [0, 1, 0, 0],
      confidences: [0.9, 0.8, 0.55, 0.7],
    },
  },
  failRun: {
    method: "post",
    path: "/api/v1/runs/{runId}/fail",
    access: "member",
    tag: "Runs",
    summary: "Fail a run, with the reason",
    description: "Idempotent: failing a failed run again changes nothing.",
    body: FailExternalRunInput,
    success: {
      status: 200,
      description: "The run's status.",
      schema: z.object({ status: z.literal("FAILED") }),
    },
    example: { reason: "CUDA out of memory at epoch 3" },
  },
} as const satisfies Record<string, ApiRoute>;

export type ApiRouteName = keyof typeof API_V1_ROUTES;
