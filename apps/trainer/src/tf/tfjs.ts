/**
 * The TensorFlow.js namespace the trainer uses: tfjs-core plus tfjs-layers, the same surface as the
 * `@tensorflow/tfjs` union package without its browser backends. Every trainer module reaches tfjs
 * through this one module (re-exported as `tf` by ./backend), so layers, kernels and tensors all
 * come from a single tfjs-core instance and share one engine.
 */
export * from "@tensorflow/tfjs-core";
export * from "@tensorflow/tfjs-layers";
