// compare-logprobs.mjs A_DIR B_DIR TOL [--no-greedy]
// Compares two result folders in the fixtures' layout: each holds either logprobs.npy (+ gen_logprobs.npy) or raw
// logits.npy (+ gen_logits.npy, converted with a float64 log-softmax), and greedy ids in eval.json ("greedy") or
// greedy.json. Fails (exit 1) when max |Δ log-prob| over prompt or decode rows exceeds TOL or the greedy ids differ.
import fs from "node:fs";
import path from "node:path";

function readNpy(file) {
    const buf = fs.readFileSync(file);
    if (buf.toString("latin1", 1, 6) !== "NUMPY") throw new Error(`${file}: not a .npy file`);
    const major = buf[6];
    const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
    const start = (major === 1 ? 10 : 12);
    const header = buf.toString("latin1", start, start + hlen);
    const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
    const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(",").map(s => s.trim()).filter(Boolean).map(Number);
    const off = start + hlen;
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float64Array(n);
    if (descr === "<f4") for (let i = 0; i < n; i++) data[i] = buf.readFloatLE(off + 4 * i);
    else if (descr === "<f8") for (let i = 0; i < n; i++) data[i] = buf.readDoubleLE(off + 8 * i);
    else throw new Error(`${file}: unsupported dtype ${descr}`);
    return { shape, data };
}

function logprobs(dir, prefix) {
    const lp = path.join(dir, `${prefix}logprobs.npy`);
    if (fs.existsSync(lp)) return readNpy(lp);
    const raw = readNpy(path.join(dir, `${prefix}logits.npy`));
    const [rows, v] = raw.shape;
    for (let r = 0; r < rows; r++) {
        let max = -Infinity;
        for (let i = 0; i < v; i++) max = Math.max(max, raw.data[r * v + i]);
        let s = 0;
        for (let i = 0; i < v; i++) s += Math.exp(raw.data[r * v + i] - max);
        const lse = max + Math.log(s);
        for (let i = 0; i < v; i++) raw.data[r * v + i] -= lse;
    }
    return raw;
}

function greedy(dir) {
    const g = path.join(dir, "greedy.json");
    if (fs.existsSync(g)) return JSON.parse(fs.readFileSync(g, "utf8"));
    return JSON.parse(fs.readFileSync(path.join(dir, "eval.json"), "utf8")).greedy;
}

function maxDiff(a, b, what) {
    if (a.shape.join() !== b.shape.join()) throw new Error(`${what}: shapes differ: [${a.shape}] vs [${b.shape}]`);
    let m = 0;
    for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
    return m;
}

const [a, b, tolArg, flag] = process.argv.slice(2);
const tol = Number(tolArg);
const prompt = maxDiff(logprobs(a, ""), logprobs(b, ""), "prompt rows");
let decode = 0, same = true;
const hasGen = fs.existsSync(path.join(a, "gen_logprobs.npy")) || fs.existsSync(path.join(a, "gen_logits.npy"));
if (hasGen) decode = maxDiff(logprobs(a, "gen_"), logprobs(b, "gen_"), "decode rows");
if (flag !== "--no-greedy") same = JSON.stringify(greedy(a)) === JSON.stringify(greedy(b));
const ok = prompt <= tol && decode <= tol && same;
console.log(`${ok ? "OK  " : "FAIL"} ${a} vs ${b}: prompt max |Δ| ${prompt.toExponential(2)}, decode max |Δ| ${decode.toExponential(2)}, greedy ${same ? "equal" : "DIFFERENT"} (tol ${tol})`);
process.exit(ok ? 0 : 1);
