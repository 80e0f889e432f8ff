/* The Doorstep field app: today's route, the visit at the door, and a queue that never loses
   a record. Everything the agent captures is written to IndexedDB first (Store), then sent to
   POST /api/v1/field/sync in batches; the server answers per record and the answer is kept
   on the record. A batch cut off by the network is simply sent again: the server stores each
   record once whatever the number of tries. */
"use strict";

(() => {
  const S = JSON.parse(document.getElementById("field-strings").textContent);
  const OUTCOMES = JSON.parse(document.getElementById("field-outcomes").textContent);
  const CONFIG = JSON.parse(document.getElementById("field-config").textContent);
  const BATCH = 50;
  const RETRY_CODES = new Set(["check_in_first"]);
  const DONE = new Set(["stored", "flagged", "duplicate"]);

  let day = null;
  let syncing = false;
  const reassured = new Set();  // visits whose overdue prompt the agent answered

  const fmt = (text, values) => text.replace(/%\((\w+)\)s/g, (_, key) => String(values[key]));

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function flash(message, kind = "info") {
    const box = document.getElementById("flash");
    box.textContent = message;
    box.className = `flash ${kind}`;
    box.hidden = false;
  }

  function localDate(moment = new Date()) {
    const p = (n) => String(n).padStart(2, "0");
    return `${moment.getFullYear()}-${p(moment.getMonth() + 1)}-${p(moment.getDate())}`;
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // ------------------------------------------------------------------------------------------
  // The day

  async function loadDay() {
    const today = localDate();
    try {
      const response = await fetch(`${CONFIG.day_url}?day=${today}`, { credentials: "same-origin" });
      if (response.redirected || response.status === 401) {
        window.location.reload();  // the session ended: the login page takes over
        return;
      }
      if (!response.ok) throw new Error(String(response.status));
      day = await response.json();
      await Store.saveDay(day);
    } catch (error) {
      day = (await Store.loadDay(today)) || { day: today, agent: "", visits: [] };
    }
  }

  function visitById(id) {
    return day.visits.find((visit) => visit.id === id);
  }

  /* The visit's status as this phone knows it: the server's, moved on by the records the
     team captured here that the server has not refused. */
  function localStatus(visit, records) {
    let status = visit.status;
    for (const record of [...records].sort((a, b) => a.seq - b.seq)) {
      if (record.state === "rejected") continue;
      if (record.kind === "check_in" && ["scheduled", "en_route"].includes(status)) status = "checked_in";
      if (record.kind === "outcome" && status === "checked_in") {
        status = record.data.outcome === "safety_abort" ? "aborted" : "completed";
      }
    }
    return status;
  }

  // ------------------------------------------------------------------------------------------
  // Records and sync

  async function capture(visit, kind, data, extra = {}) {
    const mine = await Store.recordsFor(visit.id);
    const seq = mine.reduce((top, record) => Math.max(top, record.seq), 0) + 1;
    const record = {
      id: crypto.randomUUID(), visit: visit.id, kind, seq,
      captured_at: new Date().toISOString(), data, state: "pending", flags: [], message: "",
      error: null, ...extra,
    };
    await Store.put(record);
    await renderSync();
    if (navigator.onLine) sync();
    return record;
  }

  function waiting(record) {
    return !DONE.has(record.state);
  }

  function sendable(record) {
    return record.state === "pending" || (record.state === "rejected" && RETRY_CODES.has(record.error?.code));
  }

  async function sync() {
    if (syncing) return;
    syncing = true;
    document.body.dataset.syncing = "true";
    try {
      const queue = (await Store.allRecords()).filter(sendable)
        .sort((a, b) => a.visit - b.visit || a.seq - b.seq);
      for (let start = 0; start < queue.length; start += BATCH) {
        const batch = queue.slice(start, start + BATCH);
        const payload = batch.map(({ id, visit, kind, seq, captured_at, data }) => ({ id, visit, kind, seq, captured_at, data }));
        let response;
        try {
          response = await fetch(CONFIG.sync_url, {
            method: "POST",
            credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
            body: JSON.stringify({ records: payload }),
          });
        } catch (error) {
          break;  // the network went away: everything unanswered stays queued
        }
        if (!response.ok) break;
        const body = await response.json();
        const byId = new Map(batch.map((record) => [record.id, record]));
        const answered = [];
        for (const answer of body.results) {
          const record = byId.get(answer.id);
          if (!record) continue;
          Object.assign(record, {
            state: answer.status, flags: answer.flags, message: answer.message, error: answer.error,
          });
          answered.push(record);
        }
        await Store.putMany(answered);
      }
      await uploadFiles();
    } finally {
      syncing = false;
      await renderSync();
      document.body.dataset.syncing = "false";
    }
  }

  /* After its record is stored, a photo's or signature's file goes up on its own; the server
     keeps it only if it hashes to the record's SHA-256. A failed upload is tried again at the
     next sync; the blob stays on the phone either way. */
  async function uploadFiles() {
    const owed = (await Store.allRecords()).filter((record) =>
      record.blob && !record.uploaded && ["stored", "flagged", "duplicate"].includes(record.state));
    for (const record of owed) {
      const form = new FormData();
      form.append("file", record.blob, `${record.id}`);
      let response;
      try {
        response = await fetch(CONFIG.upload_url.replace("00000000-0000-0000-0000-000000000000", record.id), {
          method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() }, body: form,
        });
      } catch (error) {
        return;  // offline again: the next sync tries the rest
      }
      if (response.ok) {
        record.uploaded = true;
        await Store.put(record);
      }
    }
  }

  async function renderSync() {
    const records = await Store.allRecords();
    const pending = records.filter(waiting);
    document.getElementById("waiting").textContent = `${S.waiting}: ${pending.length}`;
    document.getElementById("waiting").dataset.count = String(pending.length);
    const list = document.getElementById("queue-list");
    list.replaceChildren(...records.filter((r) => waiting(r) || r.state === "flagged")
      .sort((a, b) => a.visit - b.visit || a.seq - b.seq)
      .map((record) => el("li", { class: `q-${record.state}`, dataset: { id: record.id, kind: record.kind, state: record.state } },
        `${record.kind} · `,
        { pending: S.pending, rejected: S.rejected, flagged: S.flagged }[record.state] || S.synced,
        record.error ? ` — ${record.error.message}` : "",
        record.message ? ` — ${record.message}` : "")));
  }

  function renderNet() {
    const net = document.getElementById("net");
    net.textContent = navigator.onLine ? S.online : S.offline;
    net.dataset.online = String(navigator.onLine);
  }

  // ------------------------------------------------------------------------------------------
  // Screens

  function route() {
    const match = window.location.hash.match(/^#visit\/(\d+)$/);
    document.getElementById("flash").hidden = true;
    if (match && day && visitById(Number(match[1]))) renderVisit(visitById(Number(match[1])));
    else renderList();
  }

  async function renderList() {
    const view = document.getElementById("view");
    const records = await Store.allRecords();
    const items = day.visits.map((visit, index) => {
      const status = localStatus(visit, records.filter((r) => r.visit === visit.id));
      return el("li", { class: "stop", dataset: { visit: String(visit.id), status } },
        el("a", { href: `#visit/${visit.id}` },
          el("span", { class: "stop-n" }, fmt(S.stop, { n: visit.route_position ?? index + 1 })),
          el("strong", {}, visit.debtor, " · ", visit.case),
          el("span", {}, visit.address),
          el("span", { class: "muted" }, arrival(visit), ` · ${CONFIG.statuses[status] ?? status}`)));
    });
    const map = el("div", { id: "route-map", class: "route-map", "aria-label": S.route_map });
    view.replaceChildren(
      el("h1", {}, S.today, " ", day.day),
      items.length ? map : "",
      items.length ? el("ol", { class: "route" }, items) : el("p", { class: "empty" }, S.none));
    if (items.length) drawRoute(map);
  }

  /* The day's stops in route order on a map (Leaflet, served with the app). Tiles only when the
     bank configures a tile server (DOORSTEP_TILE_URL) and the phone is online; without them
     the route still draws, so the order and the distances are clear offline. */
  function drawRoute(box) {
    if (typeof L === "undefined") return;
    const points = day.visits
      .filter((v) => v.address_latitude !== null && v.address_longitude !== null)
      .map((v, index) => ({ at: [Number(v.address_latitude), Number(v.address_longitude)],
        n: v.route_position ?? index + 1 }));
    if (!points.length) { box.hidden = true; return; }
    const map = L.map(box, { zoomControl: false, attributionControl: Boolean(CONFIG.tiles) });
    if (CONFIG.tiles && navigator.onLine) L.tileLayer(CONFIG.tiles, { maxZoom: 19 }).addTo(map);
    points.forEach((p) => L.circleMarker(p.at, { radius: 9, color: "#2f6fb2", fillOpacity: 0.9 })
      .addTo(map).bindTooltip(String(p.n), { permanent: true, direction: "center", className: "stop-label" }));
    L.polyline(points.map((p) => p.at), { color: "#2f6fb2", weight: 3, opacity: 0.7 }).addTo(map);
    map.fitBounds(points.map((p) => p.at), { padding: [24, 24], maxZoom: 16 });
  }

  /* The planned arrival when the route plan set one, and the window the envelope allows. */
  function arrival(visit) {
    const window = `${S.window} ${visit.envelope.window?.join("–") ?? ""}`;
    const planned = visit.planned_arrival ? visit.planned_arrival.slice(11, 16) : "";
    return planned ? `${planned} · ${window}` : window;
  }

  function briefing(visit) {
    const b = visit.briefing;
    return el("details", { class: "briefing", open: true },
      el("summary", {}, S.briefing),
      el("dl", {},
        el("dt", {}, S.past_due), el("dd", {}, b.owed.past_due),
        el("dt", {}, S.outstanding), el("dd", {}, b.owed.outstanding),
        el("dt", {}, S.dpd), el("dd", {}, b.owed.dpd),
        el("dt", {}, S.risk), el("dd", {}, `${b.risk.level} (${b.risk.score})`,
          b.risk.factors.map((f) => el("div", { class: "muted" }, `${f.label} +${f.points}`)))),
      el("h3", {}, S.options),
      el("ul", {}, b.options.map((o) => el("li", {}, el("strong", {}, o.label), " ", fmt(S.months, o)))),
      el("h3", {}, S.outline),
      el("ol", { class: "outline" }, b.outline.map((step) => el("li", {}, el("strong", {}, step.title), el("p", {}, step.wording)))),
      el("h3", {}, S.never_say),
      el("ul", { class: "never" }, b.never_say.map((text) => el("li", {}, text))),
      el("h3", {}, S.contingencies),
      el("ul", {}, b.contingencies.map((c) => el("li", {}, c.text))),
      b.tracing.unreachable ? el("h3", {}, S.tracing) : null,
      b.tracing.unreachable ? el("ul", { id: "tracing" }, b.tracing.tasks.map((t) => el("li", {}, t.text))) : null);
  }

  function field(label, input) {
    return el("label", { class: "field-row" }, el("span", {}, label), input);
  }

  async function renderVisit(visit) {
    const view = document.getElementById("view");
    const records = await Store.recordsFor(visit.id);
    const status = localStatus(visit, records);
    const atDoor = status === "checked_in";
    const mapLink = visit.address_latitude
      ? `geo:${visit.address_latitude},${visit.address_longitude}?q=${encodeURIComponent(visit.address)}`
      : `geo:0,0?q=${encodeURIComponent(visit.address)}`;

    const reason = el("textarea", { id: "far-reason", maxlength: 300, rows: 2 });
    const reasonRow = field(S.far_reason, reason);
    reasonRow.hidden = true;
    const checkIn = el("section", { class: "card", id: "check-in" },
      el("button", { type: "button", id: "check-in-button", disabled: status !== "scheduled" && status !== "en_route", onclick: () => doCheckIn(visit, reason, reasonRow) },
        status === "checked_in" || status === "completed" ? S.checked_in : S.check_in),
      el("p", { id: "distance", class: "muted" }),
      reasonRow);

    const outcome = el("select", { id: "outcome" }, OUTCOMES.map((o) => el("option", { value: o.value }, o.label)));
    const reference = el("input", { id: "payment-reference", maxlength: 64 });
    const outcomeForm = el("section", { class: "card", id: "outcome-form", hidden: !atDoor },
      field(S.outcome, outcome), field(S.payment_reference, reference),
      el("button", { type: "button", id: "save-outcome", onclick: async () => {
        await capture(visit, "outcome", { outcome: outcome.value, payment_reference: reference.value.trim() });
        flash(S.saved);
        route();
      } }, S.save_outcome));

    const amount = el("input", { id: "promise-amount", inputmode: "decimal" });
    const due = el("input", { id: "promise-due", type: "date" });
    const photo = el("input", { id: "photo", type: "file", accept: "image/*", capture: "environment" });
    const note = el("textarea", { id: "note", rows: 2, maxlength: 2000 });
    const door = el("section", { class: "card", id: "door", hidden: !(atDoor || status === "completed") },
      el("h3", {}, S.promise),
      field(S.amount, amount), field(S.due_on, due),
      el("button", { type: "button", id: "save-promise", onclick: async () => {
        if (!amount.value.trim() || !due.value) { flash(S.required, "error"); return; }
        await capture(visit, "promise", { amount: amount.value.trim(), due_on: due.value });
        flash(S.saved);
      } }, S.save_promise),
      el("h3", {}, S.photo), photo,
      el("p", { id: "photo-hash", class: "muted" }),
      el("h3", {}, S.note), note,
      el("button", { type: "button", id: "save-note", onclick: async () => {
        if (!note.value.trim()) { flash(S.required, "error"); return; }
        await capture(visit, "note", { text: note.value.trim() });
        note.value = "";
        flash(S.saved);
      } }, S.save_note));
    photo.addEventListener("change", () => keepPhoto(visit, photo));
    door.append(signaturePad(visit), audioRecorder(visit));

    view.replaceChildren(
      overduePrompt(visit, records, status),
      el("p", {}, el("a", { href: "#", id: "back" }, S.back)),
      el("h1", {}, visit.debtor, " · ", visit.case),
      el("p", {}, visit.address, " ", el("a", { href: mapLink, id: "navigate" }, S.navigate)),
      el("p", { class: "muted", id: "visit-status", dataset: { status } }, arrival(visit), ` · ${CONFIG.statuses[status] ?? status}`),
      checkIn, outcomeForm, door, briefing(visit));
  }

  /* At the door longer than expected (the visit's minutes and the same grace the supervisor's
     board uses): ask whether the agent is safe, with the safety button beside it. */
  function overduePrompt(visit, records, status) {
    const arrived = records.find((r) => r.kind === "check_in" && r.state !== "rejected");
    const since = arrived ? Date.parse(arrived.captured_at) : visit.checked_in_at ? Date.parse(visit.checked_in_at) : null;
    const limit = (visit.duration_minutes + CONFIG.overdue_grace_minutes) * 60000;
    if (status !== "checked_in" || since === null || Date.now() - since <= limit || reassured.has(visit.id)) return null;
    return el("div", { class: "flash error", id: "overdue", role: "alert" }, S.overdue, " ",
      el("button", { type: "button", id: "i-am-safe", onclick: () => { reassured.add(visit.id); refreshOverdue(); } }, S.safe));
  }

  /* Only the prompt is redrawn, so nothing the agent is typing is lost. */
  async function refreshOverdue() {
    const match = window.location.hash.match(/^#visit\/(\d+)$/);
    const visit = match && day && visitById(Number(match[1]));
    if (!visit) return;
    const records = await Store.recordsFor(visit.id);
    const prompt = overduePrompt(visit, records, localStatus(visit, records));
    const shown = document.getElementById("overdue");
    if (shown) shown.remove();
    if (prompt) document.getElementById("view").prepend(prompt);
  }

  function position() {
    return new Promise((resolve, reject) => {
      navigator.geolocation.getCurrentPosition(resolve, reject, { enableHighAccuracy: true, timeout: 15000, maximumAge: 0 });
    });
  }

  async function doCheckIn(visit, reason, reasonRow) {
    const broken = Envelope.checkMoment(visit.envelope, new Date());
    if (broken.length) {
      flash(fmt(S.refused, { rules: broken.join(", ") }), "error");
      return;
    }
    flash(S.locating);
    let here;
    try {
      here = (await position()).coords;
    } catch (error) {
      flash(S.no_position, "error");
      return;
    }
    const data = { lat: here.latitude.toFixed(6), lon: here.longitude.toFixed(6), accuracy_m: Math.round(here.accuracy || 0) };
    let metres = null;
    if (visit.address_latitude) {
      metres = Envelope.distanceM(data.lat, data.lon, visit.address_latitude, visit.address_longitude);
      document.getElementById("distance").textContent = fmt(S.distance, { metres });
    }
    if (metres !== null && metres > CONFIG.far_metres && !reason.value.trim()) {
      reasonRow.hidden = false;
      reason.focus();
      flash(S.far_reason, "error");
      return;
    }
    data.far_reason = reason.value.trim();
    await capture(visit, "check_in", data);
    flash(`${S.saved} ${metres !== null ? fmt(S.distance, { metres }) : ""}`);
    route();
  }

  async function compressed(file) {
    /* A photo is scaled to at most 1600 px and re-encoded as JPEG on the phone; the hash is of
       the bytes kept. Anything the browser cannot decode is kept as it is. */
    try {
      const bitmap = await createImageBitmap(file);
      const scale = Math.min(1, 1600 / Math.max(bitmap.width, bitmap.height));
      const canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return await new Promise((resolve) => canvas.toBlob((blob) => resolve(blob || file), "image/jpeg", 0.7));
    } catch (error) {
      return file;
    }
  }

  async function sha256Hex(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  }

  /* The debtor signs a plan or notice with a finger; the PNG is kept on the phone and its
     SHA-256 synced as evidence, like a photo. */
  function signaturePad(visit) {
    const canvas = el("canvas", { id: "signature", width: 320, height: 140, class: "signature" });
    const pen = canvas.getContext("2d");
    pen.lineWidth = 2;
    pen.lineCap = "round";
    let drawing = false;
    let signed = false;
    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      return [event.clientX - box.left, event.clientY - box.top];
    };
    canvas.addEventListener("pointerdown", (event) => {
      drawing = true;
      pen.beginPath();
      pen.moveTo(...point(event));
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      pen.lineTo(...point(event));
      pen.stroke();
      signed = true;
    });
    ["pointerup", "pointerleave"].forEach((name) => canvas.addEventListener(name, () => { drawing = false; }));
    const save = el("button", { type: "button", id: "save-signature", onclick: async () => {
      if (!signed) { flash(S.required, "error"); return; }
      const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
      const hex = await sha256Hex(blob);
      await capture(visit, "evidence", { type: "signature", sha256: hex, bytes: blob.size }, { blob });
      flash(fmt(S.photo_saved, { hash: hex.slice(0, 12) }));
    } }, S.save_signature);
    return el("div", {}, el("h3", {}, S.signature), canvas, save);
  }

  /* A recording of the conversation (the debtor is told first): kept with its SHA-256 like a
     photo, the file uploaded after its record syncs. Phones without a microphone or
     MediaRecorder show why instead. */
  function audioRecorder(visit) {
    const status = el("p", { id: "audio-status", class: "muted" });
    if (!window.MediaRecorder || !navigator.mediaDevices?.getUserMedia) {
      status.textContent = S.audio_unavailable;
      return el("div", {}, el("h3", {}, S.audio), status);
    }
    let recorder = null;
    let chunks = [];
    const informed = el("input", { type: "checkbox", id: "audio-informed" });
    const button = el("button", { type: "button", id: "record-audio", disabled: true }, S.audio_start);
    informed.addEventListener("change", () => { button.disabled = !informed.checked; });
    button.addEventListener("click", async () => {
      if (recorder && recorder.state === "recording") {
        recorder.stop();
        return;
      }
      try {
        const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        recorder = new MediaRecorder(stream);
      } catch (error) {
        status.textContent = S.audio_unavailable;
        return;
      }
      chunks = [];
      recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
      recorder.addEventListener("stop", async () => {
        recorder.stream.getTracks().forEach((track) => track.stop());
        const type = (recorder.mimeType || "audio/webm").split(";")[0];
        const blob = new Blob(chunks, { type });
        const hex = await sha256Hex(blob);
        await capture(visit, "evidence",
          { type: "audio", sha256: hex, bytes: blob.size, debtor_informed: true }, { blob });
        button.textContent = S.audio_start;
        status.textContent = fmt(S.photo_saved, { hash: hex.slice(0, 12) });
      });
      recorder.start();
      button.textContent = S.audio_stop;
      status.textContent = S.audio_tell;
    });
    return el("div", {}, el("h3", {}, S.audio),
      el("label", { class: "check" }, informed, " ", S.audio_informed), button, status);
  }

  async function keepPhoto(visit, input) {
    const file = input.files[0];
    if (!file) return;
    const blob = await compressed(file);
    const hex = await sha256Hex(blob);
    await capture(visit, "evidence", { type: "photo", sha256: hex, bytes: blob.size }, { blob });
    document.getElementById("photo-hash").textContent = fmt(S.photo_saved, { hash: hex.slice(0, 12) });
  }

  async function safety() {
    const match = window.location.hash.match(/^#visit\/(\d+)$/);
    const visit = (match && visitById(Number(match[1]))) || day?.visits[0];
    flash(S.safety_sent, "error");
    const box = document.getElementById("flash");
    box.append(" ", el("a", { href: `tel:${CONFIG.emergency_number}`, class: "call", id: "call-police" }, CONFIG.emergency_number));
    if (!visit) return;
    let data = {};
    try {
      const here = (await position()).coords;
      data = { lat: here.latitude.toFixed(6), lon: here.longitude.toFixed(6) };
    } catch (error) {
      data = {};
    }
    await capture(visit, "safety", data);
  }

  // ------------------------------------------------------------------------------------------

  async function start() {
    document.getElementById("sync-now").textContent = S.sync_now;
    document.getElementById("sync-now").addEventListener("click", () => sync());
    document.getElementById("safety").textContent = S.safety;
    document.getElementById("safety").addEventListener("click", safety);
    window.addEventListener("online", () => { renderNet(); sync(); });
    window.addEventListener("offline", renderNet);
    window.addEventListener("hashchange", route);
    renderNet();
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(CONFIG.sw_url, { scope: "./" }).catch(() => {});
    }
    await loadDay();
    await renderSync();
    route();
    document.body.dataset.ready = "true";
    if (navigator.onLine) sync();
    setInterval(refreshOverdue, 60000);
  }

  start();
})();
