/* The phone's store: the day's visits and the queue of records made on it, in IndexedDB.
   A record is never deleted: it stays with its state (pending, stored, flagged, duplicate,
   rejected) so the agent always sees what waits and what the server said. */
"use strict";

const Store = (() => {
  const NAME = "doorstep-field";
  let opened = null;

  function open() {
    if (opened) return opened;
    opened = new Promise((resolve, reject) => {
      const request = indexedDB.open(NAME, 1);
      request.onupgradeneeded = () => {
        const db = request.result;
        db.createObjectStore("days", { keyPath: "day" });
        const records = db.createObjectStore("records", { keyPath: "id" });
        records.createIndex("visit", "visit");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    return opened;
  }

  async function run(storeName, mode, work) {
    const db = await open();
    return new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const store = tx.objectStore(storeName);
      let result;
      Promise.resolve(work(store)).then((value) => { result = value; });
      tx.oncomplete = () => resolve(result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  const asPromise = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });

  return {
    saveDay: (day) => run("days", "readwrite", (s) => { s.put(day); }),
    loadDay: (day) => run("days", "readonly", (s) => asPromise(s.get(day))),
    allRecords: () => run("records", "readonly", (s) => asPromise(s.getAll())),
    recordsFor: (visit) => run("records", "readonly", (s) => asPromise(s.index("visit").getAll(visit))),
    put: (record) => run("records", "readwrite", (s) => { s.put(record); }),
    putMany: (records) => run("records", "readwrite", (s) => { records.forEach((r) => s.put(r)); }),
  };
})();
