// web/bridge.js: the checkout's one JavaScript file (linked with --pre-js into checkout.<hash>.js).
//
// Owns: what only JavaScript can do for the WebAssembly checkout: read the page, fetch, Phantom's
// injected provider, session storage, navigation, clipboard, the aria-live region, visibility
// changes, font loading, the no-WebGL fallback and the window.hilt test bridge.
// Must never: decide anything about the checkout (shared/flow does), use eval or inline styles (the
// page's CSP forbids both), or send anything anywhere but this origin and Phantom.
//
// C++ reaches these functions through EM_JS in web/platform/browser.cpp; answers go back through the
// exported _hilt_* functions. pack_assets.mjs replaces the two font placeholders below with the
// hashed file names.
//
// Time to first frame (bench/checkout_page.mjs): everything the first frame needs starts while this
// script runs, before Emscripten fetches and compiles the .wasm: the fonts, the public payload (the
// app's first GET, answered from `prefetched`) and the WebGL 2 context (createContext: 0.1 to 0.4 s
// on a cold headless Chromium, made once, on the page's canvas, and reused by main.cpp). main()
// waits for the fonts and the payload (holdMain), so its first frame is already the product in Inter.

/* global Module, HEAPU8, _malloc, _free, _hilt_http_done, _hilt_wallet_done, _hilt_visibility,
   _hilt_font, _hilt_resize, addRunDependency, removeRunDependency */

var HiltBridge = (function () {
  'use strict';
  var FONT_FILES = ['__HILT_FONT_REGULAR__', '__HILT_FONT_SEMIBOLD__'];
  var HTTP_TIMEOUT_MS = 15000; // a request without an answer by then counts as "no answer"
  var STORAGE_PREFIX = 'hilt:';
  var SLUG_PATTERN = /^[a-z0-9-]+$/; // models::validate_slug's alphabet (anything else: no prefetch)
  var PREFETCH_FRESH_MS = 10000; // a prefetched answer older than this is not handed to the app
  // WARNING: must match create_gl_context() in web/main.cpp: getContext() hands the first context
  // made on a canvas to every later call, whatever attributes that call asks for.
  var GL_ATTRIBUTES = {
    alpha: false, depth: false, stencil: false, antialias: false, premultipliedAlpha: true,
    preserveDrawingBuffer: false, powerPreference: 'default', failIfMajorPerformanceCaveat: false
  };

  var canvas = document.getElementById('canvas');
  var assetsBase = (document.currentScript && document.currentScript.src)
    ? document.currentScript.src.replace(/[^/]*$/, '') : '/assets/';
  var runtimeUp = false;
  var fonts = [null, null];
  var fontsDelivered = [false, false];
  var state = null;
  var actions = [];
  var announcements = [];
  var live = null;
  var prefetched = {}; // path -> {at, answer}: a GET started before the app asked, used once

  // ---- strings into the heap --------------------------------------------------------------------
  function toC(text) {
    if (text === null || text === undefined) return 0;
    var bytes = new TextEncoder().encode(String(text));
    var ptr = _malloc(bytes.length + 1);
    HEAPU8.set(bytes, ptr);
    HEAPU8[ptr + bytes.length] = 0;
    return ptr;
  }
  function withStrings(texts, fn) {
    var ptrs = texts.map(toC);
    try {
      fn.apply(null, ptrs);
    } finally {
      ptrs.forEach(function (p) { if (p) _free(p); });
    }
  }

  // ---- the page -------------------------------------------------------------------------------
  function provider() {
    var p = window.phantom && window.phantom.solana;
    if (p && p.isPhantom) return p;
    if (window.solana && window.solana.isPhantom) return window.solana;
    return null;
  }
  function isMobile() {
    var ua = navigator.userAgent || '';
    if (/Android|iPhone|iPad|iPod|Mobile/i.test(ua)) return true;
    return !!(window.matchMedia && window.matchMedia('(pointer: coarse)').matches &&
              window.matchMedia('(hover: none)').matches);
  }
  function page() {
    var merchant = document.getElementById('product-merchant');
    var merchantText = merchant ? merchant.textContent.trim().replace(/^Sold by\s+/, '') : '';
    var slug = canvas ? (canvas.getAttribute('data-slug') || '') : '';
    if (!slug) {
      var m = /\/p\/([^/?#]+)/.exec(location.pathname);
      slug = m ? decodeURIComponent(m[1]) : '';
    }
    return {
      page: canvas ? (canvas.getAttribute('data-page') || 'checkout') : 'checkout',
      membership_id: canvas ? (canvas.getAttribute('data-membership') || '') : '',
      slug: slug,
      page_url: location.origin + location.pathname,
      href: location.href,
      merchant_name: merchantText,
      extension_available: provider() !== null,
      mobile: isMobile(),
      visible: document.visibilityState !== 'hidden'
    };
  }

  // ---- the aria-live region and the fallback ----------------------------------------------------
  function ensureLive() {
    if (live) return live;
    live = document.getElementById('hilt-live');
    if (!live) {
      live = document.createElement('div');
      live.id = 'hilt-live';
      live.className = 'hilt-visually-hidden';
      live.setAttribute('role', 'status');
      live.setAttribute('aria-live', 'polite');
      live.setAttribute('aria-atomic', 'true');
      document.body.appendChild(live);
    }
    return live;
  }
  function announce(text) {
    announcements.push(text);
    ensureLive().textContent = text;
  }
  // The WebGL 2 context main.cpp draws with, made now on the page's canvas while the network fetches
  // the .wasm, the fonts and the payload.
  function createContext() {
    if (typeof WebAssembly !== 'object' || !canvas) return false;
    // Sized first: the context's drawing buffer is then made at that size, not made at the default
    // 300x150 and made again at the first frame's. Nothing is drawn yet: the canvas stays hidden until
    // the app's first frame.
    presizeCanvas();
    var gl = null;
    try {
      gl = canvas.getContext('webgl2', GL_ATTRIBUTES);
    } catch (e) {
      return false;
    }
    return !!gl;
  }
  // The drawing buffer the first frame will ask for (main.cpp: the canvas's CSS width and the
  // viewport's height, in device pixels), allocated with the context rather than on the first
  // frame's critical path. The canvas already has its final place (checkout.css: hidden until
  // body.hilt-app).
  function presizeCanvas() {
    var scale = Math.max(1, window.devicePixelRatio || 1);
    var viewport = Math.max(1, window.innerHeight || 0);
    sizeCanvas(Math.round(Math.max(1, canvasWidth()) * scale), Math.round(viewport * scale), viewport);
  }
  // Without WebGL 2 or WebAssembly: say so, and offer the Solana Pay link of a fresh session.
  function showFallback() {
    document.body.classList.add('hilt-fallback');
    var main = document.getElementById('checkout') || document.body;
    var note = document.createElement('p');
    note.id = 'hilt-fallback';
    note.textContent = 'This browser cannot show the checkout (it needs WebGL 2 and WebAssembly). ' +
      'You can still pay with any Solana wallet:';
    main.appendChild(note);
    if (page().page === 'manage') {
      note.textContent = 'This browser cannot show your subscription (it needs WebGL 2 and WebAssembly). ' +
        'Open this link in a recent browser, or stop the renewals by revoking Hilt\'s approval in your wallet.';
      return;
    }
    var slug = page().slug;
    fetch('/v1/products/p/' + encodeURIComponent(slug) + '/connect', {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ route: 'SOLANA_PAY_QR' })
    }).then(function (r) { return r.json(); }).then(function (session) {
      if (!session || !session.solana_pay_url) throw new Error('no session');
      var link = document.createElement('a');
      link.id = 'hilt-fallback-link';
      link.href = session.solana_pay_url;
      link.textContent = 'Open the payment in your wallet (Solana Pay)';
      main.appendChild(link);
    }).catch(function () {
      note.textContent += ' the payment link could not be created. Please reload the page.';
    });
  }

  // ---- effects --------------------------------------------------------------------------------
  // One request on this origin: a promise of [status, body], [0, ''] when there was no answer.
  // extra: {key?: Idempotency-Key, manageToken?: X-Hilt-Manage-Token}.
  function fetchAnswer(method, path, body, extra) {
    var headers = {};
    if (body) headers['content-type'] = 'application/json';
    if (extra && extra.key) headers['idempotency-key'] = extra.key;
    if (extra && extra.manageToken) headers['x-hilt-manage-token'] = extra.manageToken;
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, HTTP_TIMEOUT_MS) : 0;
    return fetch(path, {
      method: method, headers: headers, body: body || undefined, cache: 'no-store',
      credentials: 'same-origin', signal: controller ? controller.signal : undefined
    }).then(function (res) {
      return res.text().then(function (text) { return [res.status, text]; });
    }).catch(function () {
      return [0, ''];
    }).then(function (answer) {
      if (timer) clearTimeout(timer);
      return answer;
    });
  }
  // The public payload, asked for now: the app's first request (shared/flow's FetchPayload), which
  // it would otherwise send only once the .wasm is compiled and running.
  function prefetchPayload() {
    var slug = page().slug;
    if (!SLUG_PATTERN.test(slug)) return null;
    var path = '/v1/products/p/' + slug;
    prefetched[path] = { at: performance.now(), answer: fetchAnswer('GET', path) };
    return prefetched[path].answer;
  }
  function http(requestId, method, path, body, extra, delayMs) {
    var early = prefetched[path];
    delete prefetched[path]; // used once: a retry asks the server again
    if (early && (method !== 'GET' || body || delayMs > 0 ||
                  performance.now() - early.at > PREFETCH_FRESH_MS)) early = undefined;
    var send = function () {
      (early ? early.answer : fetchAnswer(method, path, body, extra)).then(function (answer) {
        withStrings([answer[1]], function (p) { _hilt_http_done(requestId, answer[0], p); });
      });
    };
    if (delayMs > 0) setTimeout(send, delayMs); else send();
  }

  function walletDone(request, code, value, message) {
    withStrings([value || '', message || ''], function (v, m) {
      _hilt_wallet_done(request, code, v, m);
    });
  }
  function errorCode(e) {
    var code = e && typeof e.code === 'number' ? e.code : -32603;
    return code === 0 ? -32603 : code;
  }
  function walletConnect(request) {
    var p = provider();
    if (!p) return walletDone(request, 4900, '', 'Phantom is not available in this browser.');
    Promise.resolve().then(function () { return p.connect(); }).then(function (answer) {
      var key = (answer && answer.publicKey) || p.publicKey;
      if (!key) throw { code: -32603, message: 'Phantom returned no public key.' };
      walletDone(request, 0, typeof key === 'string' ? key : key.toString(), '');
    }).catch(function (e) {
      walletDone(request, errorCode(e), '', e && e.message ? String(e.message) : '');
    });
  }

  function fromBase64(text) {
    var bin = atob(text);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }
  function toBase64(bytes) {
    var bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin);
  }
  // compact-u16 (solana-phantom.md §2.1): [value, bytes read].
  function shortvec(bytes, at) {
    var value = 0;
    for (var i = 0; i < 3; i++) {
      var b = bytes[at + i];
      value |= (b & 0x7f) << (7 * i);
      if ((b & 0x80) === 0) return [value, i + 1];
    }
    return [value, 3];
  }
  // The server's unsigned wire transaction, with the shape of a web3.js transaction that Phantom's
  // provider serialises (serialize(), serializeMessage(), message.serialize(), version).
  function transactionShim(wire) {
    var count = shortvec(wire, 0);
    var messageStart = count[1] + 64 * count[0];
    var message = wire.slice(messageStart);
    var signatures = [];
    for (var i = 0; i < count[0]; i++) {
      signatures.push(wire.slice(count[1] + 64 * i, count[1] + 64 * (i + 1)));
    }
    return {
      version: (message[0] & 0x80) ? (message[0] & 0x7f) : 'legacy',
      signatures: signatures,
      message: { serialize: function () { return message.slice(); } },
      serializeMessage: function () { return message.slice(); },
      serialize: function () { return wire.slice(); }
    };
  }
  function signedBytes(signed) {
    if (!signed) return null;
    if (signed instanceof Uint8Array) return signed;
    if (signed.signedTransaction instanceof Uint8Array) return signed.signedTransaction;
    if (typeof signed.serialize === 'function') {
      var out = signed.serialize({ requireAllSignatures: false, verifySignatures: false });
      return out instanceof Uint8Array ? out : new Uint8Array(out);
    }
    return null;
  }
  function walletSign(request, transactionBase64) {
    var p = provider();
    if (!p) return walletDone(request, 4900, '', 'Phantom is not available in this browser.');
    var shim;
    try {
      shim = transactionShim(fromBase64(transactionBase64));
    } catch (e) {
      return walletDone(request, -32000, '', 'The transaction could not be read.');
    }
    Promise.resolve().then(function () { return p.signTransaction(shim); }).then(function (signed) {
      var bytes = signedBytes(signed);
      if (!bytes) throw { code: -32603, message: 'Phantom returned no signed transaction.' };
      walletDone(request, 0, toBase64(bytes), '');
    }).catch(function (e) {
      walletDone(request, errorCode(e), '', e && e.message ? String(e.message) : '');
    });
  }

  function storageGet(key) {
    try { return sessionStorage.getItem(STORAGE_PREFIX + key); } catch (e) { return null; }
  }
  function storageSet(key, value) {
    try { sessionStorage.setItem(STORAGE_PREFIX + key, value); } catch (e) { /* private mode */ }
  }
  function storageRemove(key) {
    try { sessionStorage.removeItem(STORAGE_PREFIX + key); } catch (e) { /* private mode */ }
  }

  function copy(text) {
    var fallback = function () {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.className = 'hilt-visually-hidden';
      document.body.appendChild(area);
      area.select();
      try { document.execCommand('copy'); } catch (e) { /* nothing more to try */ }
      document.body.removeChild(area);
    };
    window.hilt.copied.push(text);
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).catch(fallback);
    } else {
      fallback();
    }
  }

  // ---- the canvas -----------------------------------------------------------------------------
  function canvasWidth() {
    if (!canvas) return 0;
    return canvas.getBoundingClientRect().width || document.documentElement.clientWidth || 0;
  }
  function sizeCanvas(w, h, cssHeight) {
    if (!canvas) return;
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    var css = cssHeight + 'px';
    if (canvas.style.height !== css) canvas.style.height = css;
  }

  function deliverFonts() {
    if (!runtimeUp) return;
    for (var i = 0; i < fonts.length; i++) {
      if (!fonts[i] || fontsDelivered[i]) continue;
      var bytes = fonts[i];
      var ptr = _malloc(bytes.length);
      HEAPU8.set(bytes, ptr);
      fontsDelivered[i] = true;
      fonts[i] = null;
      _hilt_font(i, ptr, bytes.length); // the C++ side owns ptr from here
    }
  }
  // One promise per font, settled (never rejected) once it has arrived or failed.
  function loadFonts() {
    return FONT_FILES.map(function (name, i) {
      return fetch(assetsBase + name).then(function (r) {
        if (!r.ok) throw new Error('font ' + r.status);
        return r.arrayBuffer();
      }).then(function (buffer) {
        fonts[i] = new Uint8Array(buffer);
        deliverFonts();
      }).catch(function () {
        // Without Inter the app keeps waiting; the shell's text stays visible meanwhile.
        window.hilt.errors.push('font ' + name + ' could not be loaded');
      });
    });
  }

  // ---- window.hilt: the state for tests and for people debugging a checkout ---------------------
  window.hilt = {
    ready: false,
    frames: 0,
    errors: [],
    copied: [],
    navigations: [],
    announcements: announcements,
    state: function () { return state ? JSON.parse(state) : null; },
    live: function () { return live ? live.textContent : ''; },
    // The buttons on screen, in CSS pixels relative to the page: {id, label, x, y, w, h, focused}.
    actions: function () {
      var rect = canvas ? canvas.getBoundingClientRect() : { left: 0, top: 0 };
      var list = actions ? JSON.parse(actions) : [];
      return list.map(function (a) {
        return { id: a.id, label: a.label, focused: !!a.focused,
                 x: rect.left + window.scrollX + a.x, y: rect.top + window.scrollY + a.y,
                 w: a.w, h: a.h };
      });
    }
  };

  document.addEventListener('visibilitychange', function () {
    if (runtimeUp) _hilt_visibility(document.visibilityState === 'hidden' ? 0 : 1);
  });
  window.addEventListener('resize', function () {
    if (runtimeUp) _hilt_resize();
  });

  // Emscripten's run dependencies hold main() back until `settled` have: then the first frame draws
  // the product with Inter instead of a "Loading" frame that the answers would queue behind (the
  // shell's text shows meanwhile). Added after this script has run: the glue sets its counter up
  // after this --pre-js, and the .wasm's own dependency keeps main() waiting until then.
  function holdMain(settled) {
    Promise.resolve().then(function () {
      addRunDependency('hilt-fonts-payload');
      Promise.all(settled).then(function () { removeRunDependency('hilt-fonts-payload'); });
    });
  }

  if (canvas) Module.canvas = canvas;
  if (typeof WebAssembly !== 'object' || typeof WebGL2RenderingContext === 'undefined') {
    showFallback();
  } else {
    var settled = loadFonts();
    var payload = prefetchPayload();
    if (payload) settled.push(payload);
    holdMain(settled);
    if (!createContext()) showFallback();
  }

  return {
    toC: toC,
    page: page,
    canvasWidth: canvasWidth,
    sizeCanvas: sizeCanvas,
    http: http,
    walletConnect: walletConnect,
    walletSign: walletSign,
    storageGet: storageGet,
    storageSet: storageSet,
    storageRemove: storageRemove,
    navigate: function (url) { window.hilt.navigations.push(url); location.assign(url); },
    openNewTab: function (url) {
      window.hilt.navigations.push(url);
      window.open(url, '_blank', 'noopener');
    },
    startOver: function () { location.replace(location.origin + location.pathname); },
    // The app could not draw after all (main.cpp: its WebGL program did not link).
    showFallback: function () {
      document.body.classList.remove('hilt-app');
      showFallback();
    },
    replaceUrl: function (url) {
      try { history.replaceState(null, '', url); } catch (e) { /* same-origin only */ }
    },
    copy: copy,
    announce: announce,
    setCursor: function (pointer) {
      if (canvas) canvas.style.cursor = pointer ? 'pointer' : 'default';
    },
    publishState: function (json) { state = json; },
    publishActions: function (json) { actions = json; },
    appReady: function () {
      if (window.hilt.ready) return;
      window.hilt.ready = true;
      window.hilt.readyAt = performance.now(); // bench/checkout_page.mjs: time to first frame
      document.body.classList.add('hilt-app');
    },
    runtimeReady: function () {
      runtimeUp = true;
      ensureLive();
      deliverFonts();
    },
    frame: function () { window.hilt.frames++; }
  };
})();
