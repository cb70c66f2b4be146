// The field app's service worker (the build writes its version and files).
// It keeps the app on the device so that it opens with no connection. Each
// build has its own cache; old caches are deleted only when the new one is
// complete (installation fails, and the old worker stays, if any file is
// missing). Interviews are not here: they live in IndexedDB, which no build
// change touches. API calls are never cached.
const BUILD = "__SALAMA_BUILD__";
const CACHE = "salama-field-" + BUILD;
const SHELL = __SALAMA_SHELL__;

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(SHELL.map((path) => new Request(path, { cache: "reload" }))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names
        .filter((name) => name.startsWith("salama-field-") && name !== CACHE)
        .map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) {
    return;
  }
  // The page itself, whatever its fragment: this build's copy, from the
  // cache first (a slow line must not delay opening), the network otherwise.
  const key = request.mode === "navigate" && (url.pathname === "/field" || url.pathname === "/field/")
    ? "/field"
    : request;
  event.respondWith(
    caches.open(CACHE)
      .then((cache) => cache.match(key))
      .then((hit) => hit || fetch(request))
  );
});
