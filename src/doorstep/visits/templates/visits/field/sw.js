{% autoescape off %}/* Doorstep field app service worker: the app shell available offline.
   The page comes from the network first, falling back to the last copy; its assets from the
   cache (refreshed on each install). Data is not cached here: the app keeps the day's visits
   and its queue of records in IndexedDB until the server has answered. */
const CACHE = "doorstep-field-v1";
const SHELL = "{{ shell|escapejs }}";
const ASSETS = [{% for asset in assets %}"{{ asset|escapejs }}", {% endfor %}];

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll([SHELL, ...ASSETS])).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim())
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && !response.redirected) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true, ignoreVary: true });
    if (cached) return cached;
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname === SHELL) {
    event.respondWith(networkFirst(request));
  } else if (ASSETS.includes(url.pathname)) {
    event.respondWith(caches.match(request, { ignoreVary: true }).then((hit) => hit || fetch(request)));
  }
});
{% endautoescape %}
