import { initBackend, tf } from "./tf/backend";
await import("@tensorflow/tfjs-backend-cpu");
console.log(await initBackend("wasm"));
function rand(n: number, seed: number) { let s = seed; const a = new Float32Array(n); for (let i=0;i<n;i++){ s = (s*1103515245+12345) % 2147483648; a[i] = s/2147483648 - 0.5;} return a; }
async function run(b: string, name: string, ins: Record<string,[Float32Array, number[]]>, attrs: object) {
  await tf.setBackend(b);
  const r = tf.tidy(() => tf.engine().runKernel(name, Object.fromEntries(Object.entries(ins).map(([k,[v,s]]) => [k, tf.tensor(v, s)])), attrs as any) as tf.Tensor);
  const out = { v: r.dataSync() as Float32Array, s: r.shape }; r.dispose(); return out;
}
const x: [Float32Array, number[]] = [rand(2*7*7*3, 1), [2,7,7,3]];
for (const [stride, pad] of [[1,"same"],[2,"same"],[2,"valid"],[3,"same"]] as const) {
  const info = tf.backend_util.computeConv2DInfo([2,7,7,3],[3,3,3,4],stride,1,pad);
  const dy: [Float32Array, number[]] = [rand(2*info.outHeight*info.outWidth*4, 7), [2,info.outHeight,info.outWidth,4]];
  const attrs = { strides: stride, pad, dataFormat: "NHWC", filterShape: [3,3,3,4] };
  const a = await run("cpu", "Conv2DBackpropFilter", {x, dy}, attrs);
  const b = await run("wasm", "Conv2DBackpropFilter", {x, dy}, attrs);
  let md = 0; for (let i=0;i<a.v.length;i++) md = Math.max(md, Math.abs(a.v[i]!-b.v[i]!));
  console.log(stride, pad, a.s, b.s, md);
}
// depthwise
for (const [stride, dil, pad] of [[1,1,"same"],[2,1,"same"],[1,2,"valid"],[2,2,"same"]] as const) {
  const fs = [3,3,3,2];
  const info = tf.backend_util.computeConv2DInfo([2,7,7,3],fs as any,stride,dil,pad, undefined, true);
  const dy: [Float32Array, number[]] = [rand(2*info.outHeight*info.outWidth*6, 7), [2,info.outHeight,info.outWidth,6]];
  const attrs = { strides: stride, dilations: dil, pad, filterShape: fs };
  const a = await run("cpu", "DepthwiseConv2dNativeBackpropFilter", {x, dy}, attrs);
  const b = await run("wasm", "DepthwiseConv2dNativeBackpropFilter", {x, dy}, attrs);
  let md = 0; for (let i=0;i<a.v.length;i++) md = Math.max(md, Math.abs(a.v[i]!-b.v[i]!));
  const f: [Float32Array, number[]] = [rand(3*3*3*2, 3), fs];
  const attrs2 = { strides: stride, dilations: dil, pad, inputShape: [2,7,7,3] };
  const c = await run("cpu", "DepthwiseConv2dNativeBackpropInput", {dy, filter: f}, attrs2);
  const d = await run("wasm", "DepthwiseConv2dNativeBackpropInput", {dy, filter: f}, attrs2);
  let md2 = 0; for (let i=0;i<c.v.length;i++) md2 = Math.max(md2, Math.abs(c.v[i]!-d.v[i]!));
  console.log("dw", stride, dil, pad, a.s, b.s, md, c.s, d.s, md2);
}
console.log(tf.memory().numTensors, (tf.backend() as any).numDataIds?.());
