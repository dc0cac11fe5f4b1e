import { tf } from "../tf/backend";
import { batchNormScaleOffset, foldBatchNorm, type BatchNormParams } from "./fold-batch-norm";

/**
 * A LayersModel compiled for inference: its functional graph walked once in topological order and
 * turned into a list of plain tensor ops, with the layers that only exist for training folded away.
 *
 * - Conv2D, DepthwiseConv2D and Dense take the BatchNormalization that directly follows them into
 *   their kernel and bias, and the ReLU / ReLU(6) / Activation(relu | relu6 | linear) after that
 *   as the activation of tf.fused.conv2d / depthwiseConv2d / matMul. Only those three are fused:
 *   the wasm backend's XNNPACK kernels apply them as the output clamp at no cost, while any other
 *   activation would be a second pass over the output there too (on cpu and tensorflow every
 *   fused activation is one).
 * - A ZeroPadding2D feeding a 'valid' convolution becomes that convolution's padding when it is
 *   exactly TensorFlow's 'same' padding for the unpadded input (MobileNetV2's Conv1_pad and
 *   block_N_pad are); any other padding stays a pad op.
 * - A BatchNormalization that cannot be folded is one multiply-add; Add, pooling, Flatten, Reshape
 *   and ReLU are plain ops; Dropout and the noise layers are the identity, as at inference.
 * - Any other layer, and any layer in a configuration not handled above (channelsFirst, dilated
 *   depthwise, an activation that cannot be fused into its own kernel, ...), runs as
 *   `layer.apply(x, { training: false })`, so every model computes what model.predict computes.
 *
 * A fold needs the folded tensor to have no other reader: a convolution whose raw output also
 * feeds a second layer (or is a model output) keeps its own step, and so does a BN read twice
 * before an activation.
 *
 * The model's weights are only read. Folded kernels and biases are new tensors owned by the plan
 * (dispose() frees them); unfolded layers run on the model's own variables. The folded values are
 * a snapshot: build a plan after the weights are final, and never use it after the model is
 * disposed.
 */
export class InferencePlan {
  private constructor(
    readonly name: string,
    /** The model input's shape, batch dimension null. */
    readonly inputShape: readonly (number | null)[],
    /** The model output's shape, batch dimension null. */
    readonly outputShape: readonly (number | null)[],
    readonly stats: InferencePlanStats,
    private readonly program: Program,
    private readonly constants: tf.Tensor[],
  ) {}

  /** Compiles a single-input, single-output functional model. */
  static compile(model: tf.LayersModel): InferencePlan {
    const compiled = new PlanCompiler(model).compile();
    return new InferencePlan(
      model.name,
      model.inputs[0]!.shape,
      model.outputs[0]!.shape,
      compiled.stats,
      compiled.program,
      compiled.constants,
    );
  }

  /**
   * The model's output for `x` in inference mode, inside its own tidy: the caller owns (and
   * disposes) the one returned tensor; every intermediate is freed as soon as its last reader ran.
   */
  predict(x: tf.Tensor): tf.Tensor {
    if (this.disposed) throw new Error(`inference plan of "${this.name}" was disposed`);
    this.checkInput(x);
    const { steps, inputSlot, outputSlot, slotCount, freeAfter } = this.program;
    return tf.tidy(() => {
      const values: Array<tf.Tensor | undefined> = new Array(slotCount);
      values[inputSlot] = x;
      for (const [i, step] of steps.entries()) {
        const inputs = step.inputs.map((slot) => values[slot]!);
        let outputs: tf.Tensor[];
        try {
          outputs = step.run(inputs);
        } catch (error) {
          throw new Error(
            `inference plan of "${this.name}", layer ${step.layers.join(" + ")}: ${error instanceof Error ? error.message : String(error)}`,
            {
              cause: error,
            },
          );
        }
        step.outputs.forEach((slot, k) => {
          values[slot] = outputs[k];
        });
        for (const slot of freeAfter[i]!) {
          const tensor = values[slot];
          values[slot] = undefined;
          // A fallback layer may hand back one of its inputs (or one tensor twice): free a tensor
          // only when no live slot still holds it, and never the caller's input.
          if (tensor !== undefined && tensor !== x && !values.includes(tensor)) tensor.dispose();
        }
      }
      const output = values[outputSlot]!;
      return output === x ? x.clone() : output;
    });
  }

  /** The layers each step computes, in order: one name for a plain op, several for a fold. */
  stepLayers(): string[][] {
    return this.program.steps.map((step) => [...step.layers]);
  }

  /** Frees the folded constants; the model and its weights are untouched. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    tf.dispose(this.constants);
  }

  private disposed = false;

  private checkInput(x: tf.Tensor): void {
    const expected = this.inputShape;
    const fits =
      x.rank === expected.length && expected.every((d, i) => d === null || d === x.shape[i]);
    if (!fits) {
      throw new Error(
        `inference plan of "${this.name}" takes input of shape [${expected.map((d) => d ?? "any").join(", ")}], got [${x.shape.join(", ")}]`,
      );
    }
  }
}

export interface InferencePlanStats {
  /** Layers of the graph, the input layer not counted. */
  layers: number;
  /** Ops the plan runs per predict (each folded group counts once). */
  steps: number;
  foldedBatchNorms: number;
  /** Activation layers merged into the convolution or matmul before them. */
  fusedActivations: number;
  foldedPaddings: number;
  /** Layers that run through layer.apply, by name. */
  fallbackLayers: string[];
}

/** One line for logs: what the plan folded and what it left to the layers. */
export function describeInferencePlan(plan: InferencePlan): string {
  const s = plan.stats;
  const fallback =
    s.fallbackLayers.length === 0
      ? "none"
      : `${s.fallbackLayers.length} (${s.fallbackLayers.slice(0, 5).join(", ")}${s.fallbackLayers.length > 5 ? ", ..." : ""})`;
  return (
    `${s.layers} layers in ${s.steps} steps: ${s.foldedBatchNorms} BatchNormalization folded, ` +
    `${s.fusedActivations} activations fused, ${s.foldedPaddings} paddings folded, layer fallback: ${fallback}`
  );
}

// ---------------------------------------------------------------------------------------------

type SymbolicTensor = tf.SymbolicTensor;
type Layer = tf.layers.Layer;
type Config = Record<string, unknown>;
type FusedActivation = "linear" | "relu" | "relu6";

interface Step {
  /** Names of the layers this step computes, for error messages. */
  layers: string[];
  inputs: number[];
  outputs: number[];
  run: (inputs: tf.Tensor[]) => tf.Tensor[];
}

interface Program {
  steps: Step[];
  inputSlot: number;
  outputSlot: number;
  slotCount: number;
  /** Per step, the slots whose last reader it is (freed right after it). */
  freeAfter: number[][];
}

/** One call of a layer in the graph (a layer called twice is two calls). */
interface Call {
  layer: Layer;
  className: string;
  config: Config;
  inputs: SymbolicTensor[];
  outputs: SymbolicTensor[];
}

/** Layers that are the identity at inference. */
const IDENTITY_AT_INFERENCE = new Set([
  "Dropout",
  "SpatialDropout1D",
  "SpatialDropout2D",
  "GaussianNoise",
  "GaussianDropout",
  "AlphaDropout",
  "ActivityRegularization",
]);

interface ConvSpec {
  kind: "conv2d" | "depthwise";
  strides: [number, number];
  dilations: [number, number];
  padding: "same" | "valid";
  filterShape: [number, number, number, number];
  activation: FusedActivation;
}

class PlanCompiler {
  private readonly calls: Call[] = [];
  private readonly consumers = new Map<number, Call[]>();
  private readonly modelOutputIds: Set<number>;
  private readonly inputId: number;
  private readonly slots = new Map<number, number>();
  private slotCount = 0;
  private readonly absorbed = new Set<Call>();
  /** A ZeroPadding2D folded into the convolution reading it: the convolution's input and padding. */
  private readonly paddingInto = new Map<
    Call,
    { input: SymbolicTensor; padding: "same" | "valid" }
  >();
  private readonly steps: Step[] = [];
  private readonly constants: tf.Tensor[] = [];
  private readonly stats: InferencePlanStats = {
    layers: 0,
    steps: 0,
    foldedBatchNorms: 0,
    fusedActivations: 0,
    foldedPaddings: 0,
    fallbackLayers: [],
  };

  constructor(private readonly model: tf.LayersModel) {
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new Error(
        `an inference plan needs a model with one input and one output; "${model.name}" has ${model.inputs.length} and ${model.outputs.length}`,
      );
    }
    this.inputId = model.inputs[0]!.id;
    this.modelOutputIds = new Set(model.outputs.map((t) => t.id));
  }

  compile(): { program: Program; constants: tf.Tensor[]; stats: InferencePlanStats } {
    try {
      this.collectCalls();
      const inputSlot = this.slotOf(this.model.inputs[0]!);
      for (const call of this.calls) {
        if (!this.absorbed.has(call)) this.compileCall(call);
      }
      const outputSlot = this.slotOf(this.model.outputs[0]!);
      this.stats.layers = this.calls.length;
      this.stats.steps = this.steps.length;
      return {
        program: {
          steps: this.steps,
          inputSlot,
          outputSlot,
          slotCount: this.slotCount,
          freeAfter: this.freeAfter(inputSlot, outputSlot),
        },
        constants: this.constants,
        stats: this.stats,
      };
    } catch (error) {
      tf.dispose(this.constants);
      throw error;
    }
  }

  /** Topological order by depth-first search from the output; records who reads each tensor. */
  private collectCalls(): void {
    const seen = new Set<string>();
    const stack: Array<{ tensor: SymbolicTensor; expanded: boolean }> = [
      { tensor: this.model.outputs[0]!, expanded: false },
    ];
    while (stack.length > 0) {
      const top = stack.pop()!;
      const { tensor } = top;
      if (tensor.id === this.inputId) continue;
      const layer = tensor.sourceLayer;
      const key = `${layer.id}:${tensor.nodeIndex}`;
      if (top.expanded) {
        const node = layer.inboundNodes[tensor.nodeIndex];
        const call: Call = {
          layer,
          className: layer.getClassName(),
          config: configOf(layer),
          inputs: tensor.inputs,
          outputs: node?.outputTensors ?? [tensor],
        };
        this.calls.push(call);
        for (const input of call.inputs)
          this.consumers.set(input.id, [...(this.consumers.get(input.id) ?? []), call]);
        continue;
      }
      if (seen.has(key)) continue;
      seen.add(key);
      if (layer.getClassName() === "InputLayer") {
        throw new Error(
          `model "${this.model.name}" reads input layer "${layer.name}", which is not its input`,
        );
      }
      stack.push({ tensor, expanded: true });
      for (const input of [...tensor.inputs].reverse())
        stack.push({ tensor: input, expanded: false });
    }
  }

  /** The call that alone reads `tensor`, when nothing else (no other layer, no model output) does. */
  private soleReader(tensor: SymbolicTensor): Call | undefined {
    const readers = this.consumers.get(tensor.id) ?? [];
    if (readers.length !== 1 || this.modelOutputIds.has(tensor.id)) return undefined;
    const reader = readers[0]!;
    return reader.inputs.length === 1 ? reader : undefined;
  }

  private slotOf(tensor: SymbolicTensor): number {
    let slot = this.slots.get(tensor.id);
    if (slot === undefined) {
      slot = this.slotCount++;
      this.slots.set(tensor.id, slot);
    }
    return slot;
  }

  private alias(output: SymbolicTensor, input: SymbolicTensor): void {
    this.slots.set(output.id, this.slotOf(input));
  }

  private emit(
    layers: Call[],
    inputs: SymbolicTensor[],
    outputs: SymbolicTensor[],
    run: Step["run"],
  ): void {
    this.steps.push({
      layers: layers.map((c) => c.layer.name),
      inputs: inputs.map((t) => this.slotOf(t)),
      outputs: outputs.map((t) => this.slotOf(t)),
      run,
    });
  }

  private emitUnary(call: Call, op: (x: tf.Tensor) => tf.Tensor): void {
    this.emit([call], call.inputs, call.outputs, ([x]) => [op(x!)]);
  }

  private keep<T extends tf.Tensor>(tensor: T): T {
    this.constants.push(tf.keep(tensor));
    return tensor;
  }

  // The first branch that can handle the call emits it and returns; the rest is the fallback.
  private compileCall(call: Call) {
    const { className, config } = call;
    const single = call.inputs.length === 1 && call.outputs.length === 1;
    const inputRank = call.inputs[0]?.shape.length ?? 0;
    const channelsLast =
      config.dataFormat === undefined ||
      config.dataFormat === null ||
      config.dataFormat === "channelsLast";
    if (single && IDENTITY_AT_INFERENCE.has(className))
      return this.alias(call.outputs[0]!, call.inputs[0]!);
    if (
      single &&
      (className === "Conv2D" || className === "DepthwiseConv2D") &&
      this.compileConv(call)
    )
      return;
    if (single && className === "Dense" && this.compileDense(call)) return;
    if (
      single &&
      className === "ZeroPadding2D" &&
      channelsLast &&
      inputRank === 4 &&
      this.compileZeroPadding(call)
    )
      return;
    if (single && className === "BatchNormalization" && this.compileBatchNorm(call)) return;
    if (single && className === "ReLU") {
      const activation = reluActivation(config);
      if (activation === "relu") return this.emitUnary(call, (x) => tf.relu(x));
      if (activation === "relu6") return this.emitUnary(call, (x) => tf.relu6(x));
    }
    if (single && className === "Activation") {
      if (config.activation === "linear") return this.alias(call.outputs[0]!, call.inputs[0]!);
      if (config.activation === "relu") return this.emitUnary(call, (x) => tf.relu(x));
      if (config.activation === "relu6") return this.emitUnary(call, (x) => tf.relu6(x));
    }
    const sameRank = call.inputs.every((t) => t.shape.length === inputRank);
    // Inputs of different ranks are reshaped by the Add layer first; those stay with the layer.
    if (className === "Add" && call.inputs.length >= 2 && call.outputs.length === 1 && sameRank) {
      // Left to right, as the Add layer sums, so the result is bit-identical.
      return this.emit([call], call.inputs, call.outputs, (xs) => [
        xs.slice(1).reduce((sum, x) => tf.add(sum, x), xs[0]!),
      ]);
    }
    if (
      single &&
      channelsLast &&
      inputRank === 4 &&
      (className === "MaxPooling2D" || className === "AveragePooling2D")
    ) {
      const poolSize = pair(config.poolSize);
      const strides =
        config.strides === null || config.strides === undefined ? poolSize : pair(config.strides);
      const padding = config.padding;
      if (poolSize && strides && (padding === "same" || padding === "valid")) {
        const pool = className === "MaxPooling2D" ? tf.maxPool : tf.avgPool;
        return this.emitUnary(call, (x) => pool(x as tf.Tensor4D, poolSize, strides, padding));
      }
    }
    if (
      single &&
      channelsLast &&
      inputRank === 4 &&
      className === "GlobalAveragePooling2D" &&
      !config.keepDims
    ) {
      return this.emitUnary(call, (x) => tf.mean(x, [1, 2]));
    }
    if (
      single &&
      channelsLast &&
      inputRank === 4 &&
      className === "GlobalMaxPooling2D" &&
      !config.keepDims
    ) {
      return this.emitUnary(call, (x) => tf.max(x, [1, 2]));
    }
    if (single && channelsLast && className === "Flatten")
      return this.emitUnary(call, (x) => tf.reshape(x, [x.shape[0]!, -1]));
    if (single && className === "Reshape" && Array.isArray(config.targetShape)) {
      const target = config.targetShape as number[];
      return this.emitUnary(call, (x) => tf.reshape(x, [x.shape[0]!, ...target]));
    }
    this.compileFallback(call);
  }

  private compileFallback(call: Call): void {
    this.stats.fallbackLayers.push(call.layer.name);
    const { layer } = call;
    this.emit([call], call.inputs, call.outputs, (xs) => {
      const out = layer.apply(xs.length === 1 ? xs[0]! : xs, { training: false }) as
        | tf.Tensor
        | tf.Tensor[];
      return Array.isArray(out) ? out : [out];
    });
  }

  /** What a Conv2D or DepthwiseConv2D call computes, when the plan can run it as a fused op. */
  private convSpec(call: Call): ConvSpec | undefined {
    const { config, className } = call;
    const kind =
      className === "Conv2D" ? "conv2d" : className === "DepthwiseConv2D" ? "depthwise" : undefined;
    const input = call.inputs[0];
    if (
      kind === undefined ||
      input === undefined ||
      call.inputs.length !== 1 ||
      input.shape.length !== 4
    )
      return undefined;
    const dataFormat = config.dataFormat;
    if (dataFormat !== undefined && dataFormat !== null && dataFormat !== "channelsLast")
      return undefined;
    const padding = config.padding;
    if (padding !== "same" && padding !== "valid") return undefined;
    const strides = pair(config.strides);
    const dilations = pair(config.dilationRate ?? 1);
    const kernelSize = pair(config.kernelSize);
    if (!strides || !dilations || !kernelSize) return undefined;
    // tfjs-layers' DepthwiseConv2D ignores its dilation rate; matching model.predict means leaving
    // a dilated one to the layer.
    if (kind === "depthwise" && (dilations[0] !== 1 || dilations[1] !== 1)) return undefined;
    const activation = fusedActivation(config.activation);
    if (activation === undefined) return undefined;
    const inChannels = input.shape[3];
    if (typeof inChannels !== "number") return undefined;
    const outDim = kind === "conv2d" ? config.filters : (config.depthMultiplier ?? 1);
    if (typeof outDim !== "number") return undefined;
    if (!weightOf(call.layer, kind === "conv2d" ? "kernel" : "depthwise_kernel")) return undefined;
    return {
      kind,
      strides,
      dilations,
      padding,
      filterShape: [kernelSize[0], kernelSize[1], inChannels, outDim],
      activation,
    };
  }

  private compileZeroPadding(call: Call): boolean {
    const pads = zeroPadding(call.config.padding);
    if (!pads) return false;
    const [[top, bottom], [left, right]] = pads;
    const reader = this.soleReader(call.outputs[0]!);
    const spec = reader ? this.convSpec(reader) : undefined;
    const [, height, width, channels] = call.inputs[0]!.shape;
    if (
      reader &&
      spec &&
      spec.padding === "valid" &&
      typeof height === "number" &&
      typeof width === "number" &&
      typeof channels === "number"
    ) {
      const zero = top === 0 && bottom === 0 && left === 0 && right === 0;
      const same = tf.backend_util.computeConv2DInfo(
        [1, height, width, channels],
        spec.filterShape,
        spec.strides,
        spec.dilations,
        "same",
        undefined,
        spec.kind === "depthwise",
      ).padInfo;
      const isSame =
        same.top === top && same.bottom === bottom && same.left === left && same.right === right;
      if (zero || isSame) {
        this.paddingInto.set(reader, { input: call.inputs[0]!, padding: zero ? "valid" : "same" });
        this.stats.foldedPaddings += 1;
        return true;
      }
    }
    const paddings: Array<[number, number]> = [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ];
    this.emitUnary(call, (x) => tf.pad(x, paddings));
    return true;
  }

  private compileConv(call: Call): boolean {
    const spec = this.convSpec(call);
    if (!spec) return false;
    const padded = this.paddingInto.get(call);
    const input = padded?.input ?? call.inputs[0]!;
    const padding = padded?.padding ?? spec.padding;
    // convSpec checked that the kernel exists: a padding folded into this call has no step of its own.
    const kernel = weightOf(call.layer, spec.kind === "conv2d" ? "kernel" : "depthwise_kernel")!;
    const bias = call.config.useBias === false ? undefined : weightOf(call.layer, "bias");
    const fused = this.foldFollowers(call, kernel, bias, spec.activation);
    const { strides, dilations } = spec;
    const { filter, bias: b, activation } = fused;
    const run: Step["run"] =
      spec.kind === "conv2d"
        ? ([x]) => [
            tf.fused.conv2d({
              x: x as tf.Tensor4D,
              filter: filter as tf.Tensor4D,
              bias: b,
              strides,
              pad: padding,
              dilations,
              dataFormat: "NHWC",
              activation,
            }),
          ]
        : ([x]) => [
            tf.fused.depthwiseConv2d({
              x: x as tf.Tensor4D,
              filter: filter as tf.Tensor4D,
              bias: b,
              strides,
              pad: padding,
              dilations,
              dataFormat: "NHWC",
              activation,
            }),
          ];
    this.emit(fused.calls, [input], [fused.output], run);
    return true;
  }

  private compileDense(call: Call): boolean {
    const activation = fusedActivation(call.config.activation);
    if (activation === undefined || call.inputs[0]!.shape.length !== 2) return false;
    const kernel = weightOf(call.layer, "kernel");
    const bias = call.config.useBias === false ? undefined : weightOf(call.layer, "bias");
    if (!kernel) return false;
    const fused = this.foldFollowers(call, kernel, bias, activation);
    const { filter, bias: b } = fused;
    this.emit(fused.calls, call.inputs, [fused.output], ([x]) => [
      tf.fused.matMul({
        a: x as tf.Tensor2D,
        b: filter as tf.Tensor2D,
        bias: b,
        activation: fused.activation,
      }),
    ]);
    return true;
  }

  /**
   * Takes in what follows a convolution or dense call: a BatchNormalization reading its raw output
   * alone (when its own activation is linear), then an activation layer reading the result alone.
   */
  private foldFollowers(
    call: Call,
    kernel: tf.Tensor,
    bias: tf.Tensor | undefined,
    ownActivation: FusedActivation,
  ): {
    calls: Call[];
    output: SymbolicTensor;
    filter: tf.Tensor;
    bias: tf.Tensor | undefined;
    activation: FusedActivation;
  } {
    const calls = [call];
    let output = call.outputs[0]!;
    let filter = kernel;
    let folded = bias;
    const rank = output.shape.length;
    const bn = ownActivation === "linear" ? this.soleReader(output) : undefined;
    const bnParams =
      bn?.className === "BatchNormalization" && lastAxis(bn.config.axis, rank)
        ? batchNormParams(bn)
        : undefined;
    if (bn && bnParams) {
      const result = foldBatchNorm(
        kernel.dataSync() as Float32Array,
        bias?.dataSync() as Float32Array | undefined,
        bnParams,
      );
      filter = this.keep(tf.tensor(result.kernel, kernel.shape, "float32"));
      folded = this.keep(tf.tensor1d(result.bias, "float32"));
      this.absorbed.add(bn);
      calls.push(bn);
      output = bn.outputs[0]!;
      this.stats.foldedBatchNorms += 1;
    }
    let activation = ownActivation;
    const next = activation === "linear" ? this.soleReader(output) : undefined;
    const nextActivation = next ? activationLayerKind(next) : undefined;
    if (next && nextActivation) {
      activation = nextActivation;
      this.absorbed.add(next);
      calls.push(next);
      output = next.outputs[0]!;
      this.stats.fusedActivations += 1;
    }
    return { calls, output, filter, bias: folded, activation };
  }

  /**
   * A BatchNormalization on the last axis as one multiply-add: on wasm, Mul + Add with a
   * per-channel operand take about half the time of its BatchNorm kernel.
   */
  private compileBatchNorm(call: Call): boolean {
    const rank = call.inputs[0]!.shape.length;
    const params = lastAxis(call.config.axis, rank) ? batchNormParams(call) : undefined;
    if (!params) return false;
    const { scale, offset } = batchNormScaleOffset(params);
    const s = this.keep(tf.tensor1d(scale, "float32"));
    const o = this.keep(tf.tensor1d(offset, "float32"));
    this.emitUnary(call, (x) => tf.add(tf.mul(x, s), o));
    return true;
  }

  private freeAfter(inputSlot: number, outputSlot: number): number[][] {
    const lastStep = new Map<number, number>();
    this.steps.forEach((step, i) => {
      for (const slot of [...step.inputs, ...step.outputs]) lastStep.set(slot, i);
    });
    const free = this.steps.map(() => [] as number[]);
    for (const [slot, i] of lastStep) {
      if (slot !== inputSlot && slot !== outputSlot) free[i]!.push(slot);
    }
    return free;
  }
}

/** A layer's config; a custom layer that cannot describe itself compiles to the layer fallback. */
function configOf(layer: Layer): Config {
  try {
    return layer.getConfig() as Config;
  } catch {
    return {};
  }
}

function pair(value: unknown): [number, number] | undefined {
  if (typeof value === "number") return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number"))
    return [value[0] as number, value[1] as number];
  return undefined;
}

function zeroPadding(value: unknown): [[number, number], [number, number]] | undefined {
  if (typeof value === "number")
    return [
      [value, value],
      [value, value],
    ];
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const rows = pair(value[0]);
  const cols = pair(value[1]);
  return rows && cols ? [rows, cols] : undefined;
}

function fusedActivation(name: unknown): FusedActivation | undefined {
  if (name === undefined || name === null) return "linear";
  return name === "linear" || name === "relu" || name === "relu6" ? name : undefined;
}

/** ReLU layer: plain, or capped at 6 (which is relu6); other caps are not relu6. */
function reluActivation(config: Config): "relu" | "relu6" | undefined {
  const max = config.maxValue;
  if (max === undefined || max === null) return "relu";
  return max === 6 ? "relu6" : undefined;
}

function activationLayerKind(call: Call): "relu" | "relu6" | undefined {
  if (call.className === "ReLU") return reluActivation(call.config);
  if (
    call.className === "Activation" &&
    (call.config.activation === "relu" || call.config.activation === "relu6")
  )
    return call.config.activation;
  return undefined;
}

function lastAxis(axis: unknown, rank: number): boolean {
  return axis === -1 || axis === rank - 1;
}

/** The layer's current value of its weight named `<layer>/<name>` (the variable itself, not a copy). */
function weightOf(layer: Layer, name: string): tf.Tensor | undefined {
  const weight = layer.weights.find(
    (w) => w.originalName.endsWith(`/${name}`) || w.originalName === name,
  );
  return weight?.read();
}

function batchNormParams(call: Call): BatchNormParams | undefined {
  const { config, layer } = call;
  const read = (name: string) => weightOf(layer, name)?.dataSync() as Float32Array | undefined;
  const movingMean = read("moving_mean");
  const movingVariance = read("moving_variance");
  const gamma = config.scale === false ? undefined : read("gamma");
  const beta = config.center === false ? undefined : read("beta");
  const epsilon = config.epsilon;
  if (!movingMean || !movingVariance || typeof epsilon !== "number") return undefined;
  if ((config.scale !== false && !gamma) || (config.center !== false && !beta)) return undefined;
  return {
    movingMean,
    movingVariance,
    epsilon,
    ...(gamma ? { gamma } : {}),
    ...(beta ? { beta } : {}),
  };
}
