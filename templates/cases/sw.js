// The desk's service worker (issue 31), made by cases/views/offline.py: it keeps the pages a desk
// needs offline (the offline capture and outbox pages, the guides) and the static files they load,
// and opens them when the network is gone. Network first: online, every page is the server's.
// It keeps no dossier: those are in the page's encrypted store (static/js/offline.js).
const CACHE = "lienthong-desk-v{{ version }}";
const PAGES = {{ pages|safe }};
const GUIDES = {{ guides|safe }};
const STATIC = {{ static|safe }};
const FALLBACKS = {{ fallbacks|safe }};  // a desk page → the offline page that stands in for it
const OUTBOX = PAGES[0];
const KEPT = new Set([...PAGES, ...GUIDES, ...STATIC]);  // every address the worker keeps
const TIMEOUT = 6000;  // a navigation the network has not answered by then is opened from the cache

// Keep one address. The desk's pages are fetched with the signed-in clerk's cookies (a page that
// does not answer 200, say the sign-in page once signed out, is not kept); the guides and static
// files without any, so that their answers never set a cookie (a new CSRF cookie arriving in the
// middle of somebody's sign-in would refuse it).
async function keep(cache, url) {
  const credentials = PAGES.includes(url) ? "same-origin" : "omit";
  try {
    const response = await fetch(url, { credentials, redirect: "manual", cache: "no-store" });
    if (response.ok && response.type === "basic") await cache.put(url, response);
  } catch (error) {
    // offline while installing: what was kept before stays
  }
}

async function refresh() {
  const cache = await caches.open(CACHE);
  await Promise.all([...KEPT].map((url) => keep(cache, url)));
}

self.addEventListener("install", (event) => {
  event.waitUntil(refresh().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

// A page asks the worker to keep the offline pages again (after signing in, or a new day's guides).
self.addEventListener("message", (event) => {
  if (event.data === "refresh") event.waitUntil(refresh());
});

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

async function fromNetwork(request, fallback) {
  try {
    const response = await Promise.race([fetch(request), timeout(TIMEOUT)]);
    const path = new URL(request.url).pathname;
    if (response.ok && response.type === "basic" && KEPT.has(path)) {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(path, copy));
    }
    return response;
  } catch (error) {
    const cache = await caches.open(CACHE);
    const kept = (await cache.match(new URL(request.url).pathname)) || (fallback && (await cache.match(fallback)));
    if (kept) return kept;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  const path = url.pathname;
  const kept = KEPT.has(path);
  if (request.mode === "navigate" && (kept || FALLBACKS[path])) {
    event.respondWith(fromNetwork(request, FALLBACKS[path] || OUTBOX));
  } else if (kept) {
    event.respondWith(fromNetwork(request, null));
  }
});
