// web/tools/pack_assets.mjs: writes the folder hiltd serves with --assets-dir from the Emscripten
// build: content-hashed names (checkout.<hash>.js/.wasm/.css, Inter-*.<hash>.otf), icon.svg,
// manifest.json {"entry", "style"} (server/routes/pages.h), and .br/.gz siblings of every
// compressible file (node's zlib: no brotli CLI needed).
//
// Must never: leave files of an older build behind (the folder is rewritten), or write a name
// that is not content-addressed except icon.svg and manifest.json (served no-cache).
//
// Usage: node pack_assets.mjs --js checkout.js --wasm checkout.wasm --css checkout.css
//          --icon icon.svg --font-regular Inter-Regular.otf --font-semibold Inter-SemiBold.otf
//          [--embed embed.js] [--sizes FILE] [--gallery-page yes] --out DIR
// The fonts given are the build's subsets (web/CMakeLists.txt, hilt_checkout_fonts), copied as they are.
// --sizes: where the size report goes (default DIR/../assets-sizes.json). --gallery-page: also
// write index.html, a static copy of hiltd's checkout shell for the gallery build (web/gallery).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const required of ['js', 'wasm', 'css', 'icon', 'font-regular', 'font-semibold', 'out']) {
  if (!args[required]) {
    console.error(`pack_assets: --${required} is required`);
    process.exit(2);
  }
}

const HASH_CHARS = 10; // hex digits: static_files.h treats >= 8 between dots as content-addressed
const hash = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, HASH_CHARS);
const hashed = (name, bytes) => {
  const ext = extname(name);
  return `${basename(name, ext)}.${hash(bytes)}${ext}`;
};

const out = args.out;
mkdirSync(out, { recursive: true });
for (const old of readdirSync(out)) rmSync(join(out, old), { recursive: true, force: true });

const files = new Map(); // name -> bytes
const put = (name, bytes) => files.set(name, bytes);

const fontRegular = readFileSync(args['font-regular']);
const fontSemibold = readFileSync(args['font-semibold']);
const fontRegularName = hashed('Inter-Regular.otf', fontRegular);
const fontSemiboldName = hashed('Inter-SemiBold.otf', fontSemibold);
put(fontRegularName, fontRegular);
put(fontSemiboldName, fontSemibold);

const wasm = readFileSync(args.wasm);
const wasmName = hashed('checkout.wasm', wasm);
put(wasmName, wasm);

let js = readFileSync(args.js, 'utf8');
const replaceAll = (text, from, to) => {
  if (!text.includes(from)) {
    console.error(`pack_assets: ${from} not found in ${args.js}`);
    process.exit(1);
  }
  return text.split(from).join(to);
};
js = replaceAll(js, '__HILT_FONT_REGULAR__', fontRegularName);
js = replaceAll(js, '__HILT_FONT_SEMIBOLD__', fontSemiboldName);
js = js.includes('"checkout.wasm"')
  ? replaceAll(js, '"checkout.wasm"', JSON.stringify(wasmName))
  : replaceAll(js, "'checkout.wasm'", JSON.stringify(wasmName));
const jsBytes = Buffer.from(js, 'utf8');
const jsName = hashed('checkout.js', jsBytes);
put(jsName, jsBytes);

const css = readFileSync(args.css);
const cssName = hashed('checkout.css', css);
put(cssName, css);

put('icon.svg', readFileSync(args.icon));
if (args.embed && existsSync(args.embed)) put('embed.js', readFileSync(args.embed));
const manifest = { entry: jsName, style: cssName, wasm: wasmName, fonts: [fontRegularName, fontSemiboldName] };
put('manifest.json', Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));

// The shell hiltd renders for /p/{slug} (server/routes/pages.cpp), with the gallery's fixture
// product (web/gallery/scenes.cpp) and relative links, so any static server can show it. Without
// data-slug: there is no payload to prefetch (bridge.js), the scenes bring their own.
if (args['gallery-page']) {
  const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hilt checkout gallery</title>
<link rel="stylesheet" href="${cssName}">
<script src="${jsName}" defer></script>
</head>
<body>
<main id="checkout">
<h1 id="product-title">Lumen Guild monthly pass</h1>
<p id="product-price">12.50 USDC</p>
<p id="product-merchant">Sold by Lumen Guild</p>
<canvas id="canvas" aria-label="Checkout gallery"></canvas>
</main>
</body>
</html>
`;
  put('index.html', Buffer.from(page));
}

const COMPRESSIBLE = new Set(['.js', '.wasm', '.css', '.svg', '.otf', '.json']);
const sizes = {};
for (const [name, bytes] of files) {
  writeFileSync(join(out, name), bytes);
  sizes[name] = { raw: bytes.length };
  if (!COMPRESSIBLE.has(extname(name))) continue;
  const br = brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  });
  const gz = gzipSync(bytes, { level: 9 });
  if (br.length < bytes.length) writeFileSync(join(out, name + '.br'), br);
  if (gz.length < bytes.length) writeFileSync(join(out, name + '.gz'), gz);
  sizes[name].br = br.length;
  sizes[name].gz = gz.length;
}
const app = sizes[jsName].br + sizes[wasmName].br;
writeFileSync(args.sizes ?? join(out, '..', 'assets-sizes.json'), JSON.stringify({ app_br: app, files: sizes }, null, 2) + '\n');
console.log(`pack_assets: ${jsName} + ${wasmName} = ${(app / 1024).toFixed(1)} KiB brotli ` +
            `(js ${sizes[jsName].br} B, wasm ${sizes[wasmName].br} B); fonts ` +
            `${((sizes[fontRegularName].br + sizes[fontSemiboldName].br) / 1024).toFixed(1)} KiB brotli`);
