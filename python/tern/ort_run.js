// Runs an ONNX model in ONNX Runtime (npm onnxruntime-node, its bundled
// CPU build) for tern.ort: the second oracle of Tern's tests, and the peer
// for speed. Reads one JSON request on stdin, writes one JSON reply:
//   {"mode": "run", "model": path, "feeds": {name: {dtype, shape, data}}}
//     -> {"outputs": {name: {dtype, shape, data}}}      (data: base64)
//   {"mode": "bench", "model": path, "feeds": {...}, "runs": n, "threads": t}
//     -> {"seconds": [s, ...]}              (graph optimizations on)
//   {"mode": "generate", "model": path, "prompt": [ids], "tokens": n,
//    "kv_heads": h, "head_dim": d, "layers": l, "layout": "tern"|"optimum",
//    "dtypes": {input: dtype}}   (int32 ids, float16 caches where declared)
//     -> {"tokens": [ids], "seconds": s, "first_seconds": s}
// The layouts name the cache: Tern's past_key_<i> -> present_key_<i>, or
// Hugging Face Optimum's past_key_values.<i>.key -> present.<i>.key with
// attention_mask and position_ids (fed where the model has them: ORT
// GenAI's layout is the same without position_ids).
const ort = require('onnxruntime-node');

const typed = {
  float32: Float32Array, int64: BigInt64Array, int32: Int32Array,
  int8: Int8Array, uint8: Uint8Array, float64: Float64Array,
  float16: Uint16Array,
};

// An IEEE half's bits as a number.
function halfToFloat(h) {
  const sign = h & 0x8000 ? -1 : 1, exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 31) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function decode(t) {
  const bytes = Buffer.from(t.data, 'base64');
  const Type = typed[t.dtype];
  const copy = new Uint8Array(bytes);
  return new ort.Tensor(t.dtype, new Type(copy.buffer, 0,
      copy.byteLength / Type.BYTES_PER_ELEMENT), t.shape);
}

function encode(t) {
  const view = Buffer.from(t.data.buffer, t.data.byteOffset,
                           t.data.byteLength);
  return {dtype: t.type, shape: t.dims, data: view.toString('base64')};
}

async function generate(session, req) {
  // The ids, mask and caches in the types the model declares (int64 and
  // float32 unless req.dtypes says otherwise).
  const dtypes = req.dtypes || {};
  const ids = (name, values, dims) => {
    const type = dtypes[name] || 'int64';
    return new ort.Tensor(type, type === 'int32' ? Int32Array.from(
        values, Number) : BigInt64Array.from(values, BigInt), dims);
  };
  const cacheType = dtypes[Object.keys(dtypes).find(
      (n) => n.startsWith('past_'))] || 'float32';
  const empty = () => new ort.Tensor(cacheType, new typed[cacheType](0),
                                     [1, req.kv_heads, 0, req.head_dim]);
  const optimum = req.layout === 'optimum';
  const pastName = (kind, i) =>
      optimum ? `past_key_values.${i}.${kind}` : `past_${kind}_${i}`;
  const presentName = (kind, i) =>
      optimum ? `present.${i}.${kind}` : `present_${kind}_${i}`;
  const past = {};
  for (let i = 0; i < req.layers; ++i) {
    past[pastName('key', i)] = empty();
    past[pastName('value', i)] = empty();
  }
  let total = 0;
  const out = [];
  let feedIds = req.prompt;
  const start = process.hrtime.bigint();
  let first = 0;
  for (let step = 0; step < req.tokens; ++step) {
    const feeds = {input_ids: ids('input_ids', feedIds, [1, feedIds.length]),
                   ...past};
    if (optimum) {
      const positions = Array.from(feedIds, (_, j) => total + j);
      total += feedIds.length;
      feeds.attention_mask = ids('attention_mask', new Array(total).fill(1),
                                 [1, total]);
      // ORT GenAI's layout has no position_ids: GroupQueryAttention
      // derives the positions from the mask.
      if (session.inputNames.includes('position_ids'))
        feeds.position_ids = ids('position_ids', positions,
                                 [1, feedIds.length]);
    }
    const r = await session.run(feeds);
    const vocab = r.logits.dims[2];
    let last = r.logits.data.subarray((feedIds.length - 1) * vocab,
                                      feedIds.length * vocab);
    if (r.logits.type === 'float16' && last instanceof Uint16Array)
      last = Float32Array.from(last, halfToFloat);
    let best = 0;
    for (let v = 1; v < vocab; ++v) if (last[v] > last[best]) best = v;
    out.push(best);
    for (let i = 0; i < req.layers; ++i) {
      past[pastName('key', i)] = r[presentName('key', i)];
      past[pastName('value', i)] = r[presentName('value', i)];
    }
    feedIds = [best];
    if (step === 0) first = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return {tokens: out, seconds, first_seconds: first};
}

(async () => {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const req = JSON.parse(Buffer.concat(chunks).toString());
  const options = req.threads ? {intraOpNumThreads: req.threads} : {};
  // As an oracle ONNX Runtime computes the graph as written: its
  // optimizations would fuse QDQ into integer kernels with other rounding.
  if (req.mode === 'run') options.graphOptimizationLevel = 'disabled';
  const session = await ort.InferenceSession.create(req.model, options);
  let reply;
  if (req.mode === 'generate') {
    reply = await generate(session, req);
  } else if (req.mode === 'bench') {
    // Seconds of each of `runs` runs on the same feeds, after one warm-up.
    const feeds = {};
    for (const [name, t] of Object.entries(req.feeds)) feeds[name] = decode(t);
    await session.run(feeds);
    const seconds = [];
    for (let i = 0; i < req.runs; ++i) {
      const start = process.hrtime.bigint();
      await session.run(feeds);
      seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    }
    reply = {seconds};
  } else {
    const feeds = {};
    for (const [name, t] of Object.entries(req.feeds)) feeds[name] = decode(t);
    const r = await session.run(feeds);
    reply = {outputs: {}};
    for (const [name, t] of Object.entries(r)) reply.outputs[name] = encode(t);
  }
  process.stdout.write(JSON.stringify(reply));
})().catch((e) => {
  process.stderr.write(String(e && e.stack || e) + '\n');
  process.exit(1);
});
