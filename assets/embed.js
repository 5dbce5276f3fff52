// assets/embed.js: the merchant's copy-paste "Pay with Hilt" button.
//
//   <script src="https://<hilt host>/embed.js" data-hilt-slug="<product slug>" async></script>
//
// (hiltd serves it at /embed.js with a short cache, and as /assets/embed.js.)
//
// Owns: one link-styled button, inserted right after the script tag, that opens the hosted checkout
// in a new window (Phantom does not inject its provider into iframes, so the checkout is never
// framed; the checkout page also forbids framing with frame-ancestors 'none').
// Must never: read or send anything from the merchant's page, or load other code.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) return;
  var slug = script.getAttribute('data-hilt-slug') || '';
  if (!/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(slug)) return;
  var origin = new URL(script.src).origin;
  var label = script.getAttribute('data-hilt-label') || 'Pay with Hilt';
  var link = document.createElement('a');
  link.href = origin + '/p/' + slug;
  link.target = '_blank';
  link.rel = 'noopener';
  link.textContent = label;
  link.setAttribute('data-hilt-button', slug);
  var s = link.style;
  s.display = 'inline-block';
  s.padding = '12px 22px';
  s.borderRadius = '12px';
  s.background = '#4338CA';
  s.color = '#FFFFFF';
  s.font = '600 16px/1.2 Inter, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  s.textDecoration = 'none';
  link.addEventListener('click', function (event) {
    // A sized window of its own where the browser allows it; the plain link otherwise.
    var opened = window.open(link.href, 'hilt-checkout', 'noopener,width=480,height=760');
    if (opened !== null) event.preventDefault();
  });
  script.parentNode.insertBefore(link, script.nextSibling);
})();
