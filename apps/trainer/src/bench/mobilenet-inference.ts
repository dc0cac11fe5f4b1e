import os from "node:os";
import { buildMobileNetV2Base } from "../model/mobilenet-v2";
import { describeInferencePlan, InferencePlan } from "../model/inference-plan";
import { initBackend } from "../tf/backend";
import { measureInference } from "./mobilenet-throughput";

/**
 * `npx tsx apps/trainer/src/bench/mobilenet-inference.ts [batch ...]` (default 8 32): MobileNetV2
 * 224² inference on wasm through the inference plan and layer by layer, side by side in this one
 * process for each batch size, with the load average before each. Progress goes to stderr; the last
 * stdout line is one JSON object with the figures.
 */

const log = (message: string) => process.stderr.write(`${message}\n`);
const round = (value: number) => Number(value.toFixed(1));

async function main(): Promise<void> {
  const batches = process.argv.slice(2).map(Number);
  if (batches.some((b) => !Number.isInteger(b) || b < 1 || b > 64))
    throw new Error("batch sizes must be whole numbers from 1 to 64");
  const info = await initBackend("wasm");
  log(`backend: ${info.device}`);
  const base = await buildMobileNetV2Base();
  const plan = InferencePlan.compile(base);
  log(`plan: ${describeInferencePlan(plan)}`);
  plan.dispose();
  const results: Record<
    string,
    { planImgPerSec: number; layerByLayerImgPerSec: number; loadAverage: number }
  > = {};
  try {
    for (const batchSize of batches.length > 0 ? batches : [8, 32]) {
      const loadAverage = round(os.loadavg()[0]!);
      const r = measureInference(base, {
        batchSize,
        minSeconds: 4,
        minSteps: 2,
        repeats: 3,
        warmupSteps: 1,
      });
      results[batchSize] = {
        planImgPerSec: round(r.plan.imagesPerSec),
        layerByLayerImgPerSec: round(r.layers.imagesPerSec),
        loadAverage,
      };
      log(
        `batch ${batchSize} (load ${loadAverage}): plan ${r.plan.imagesPerSec.toFixed(1)} img/s, layer by layer ${r.layers.imagesPerSec.toFixed(1)} img/s`,
      );
    }
  } finally {
    base.dispose();
  }
  process.stdout.write(`${JSON.stringify({ mobilenetV2InferenceWasm: results })}\n`);
}

main().catch((error: unknown) => {
  log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
