// The desk without a network (issue 31). On every page of a one-stop desk clerk:
// - the status line: online or not, how many dossiers wait, when the last one was sent;
// - the outbox: what was captured offline is sent when the network is there, each dossier once
//   (its Idempotency-Key was made when it was captured), then its scans, each once (a key each),
//   then read back from the portal before it is shown "sent" and its data leave the device;
// - the sign-out: the device's store is wiped (asked first if something still waits);
// - the service worker that keeps the offline pages (templates/cases/sw.js).
// On the offline capture page: the form saved on the device, encrypted, and the provisional slip.
//
// Encryption at rest: each dossier is sealed with AES-GCM under a key agreed (ECDH P-256, then
// HKDF-SHA-256) between a key pair made for that dossier, whose public half is kept beside it, and
// the clerk's public key. Only the clerk's private key opens it again; the portal gives that key
// to the signed-in clerk when it is time to send, and the page holds it in memory only.
(() => {
  "use strict";
  const node = document.getElementById("offline-settings");
  if (!node || !window.idb || !window.crypto || !window.crypto.subtle || !window.indexedDB) return;
  const C = JSON.parse(node.textContent);
  const M = C.messages;
  const say = (text, values = {}) => text.replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  const address = (name, values = {}) =>
    Object.entries(values).reduce((url, [key, value]) => url.replace(key, encodeURIComponent(value)), C.urls[name]);
  const channel = "BroadcastChannel" in window ? new BroadcastChannel("lienthong-desk") : null;

  // --- the store --------------------------------------------------------------------------------
  const DB = "lienthong-desk";
  let opened = null;
  function store() {
    opened ||= idb.openDB(DB, 1, {
      upgrade(db) {
        db.createObjectStore("meta");
        db.createObjectStore("dossiers", { keyPath: "id" });
        db.createObjectStore("scans", { keyPath: ["dossier", "n"] });
      },
      blocking() {
        // another tab wipes the store (a sign-out): let it
        opened && opened.then((db) => db.close());
        opened = null;
      },
    });
    return opened;
  }
  const scansOf = async (id) => (await store()).getAll("scans", IDBKeyRange.bound([id, 0], [id, Infinity]));
  const PENDING = ["waiting", "filed"];
  const mine = (dossiers) => dossiers.filter((dossier) => dossier.user === C.user);

  async function wipe() {
    if (opened) (await opened).close();
    opened = null;
    await new Promise((resolve) => {
      const request = indexedDB.deleteDatabase(DB);
      request.onsuccess = request.onerror = request.onblocked = resolve;
    });
    if (window.caches) await Promise.all((await caches.keys()).map((name) => caches.delete(name)));
    if (navigator.serviceWorker) {
      await Promise.all((await navigator.serviceWorker.getRegistrations()).map((worker) => worker.unregister()));
    }
  }

  // --- encryption -------------------------------------------------------------------------------
  const utf8 = new TextEncoder();
  const ECDH = { name: "ECDH", namedCurve: "P-256" };
  async function agreed(privateKey, publicKey) {
    const bits = await crypto.subtle.deriveBits({ name: "ECDH", public: publicKey }, privateKey, 256);
    const material = await crypto.subtle.importKey("raw", bits, "HKDF", false, ["deriveKey"]);
    return crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: utf8.encode("lienthong-offline-v1") },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
  }
  async function newSeal() {
    const own = await crypto.subtle.generateKey(ECDH, true, ["deriveBits"]);
    const clerk = await crypto.subtle.importKey("jwk", C.key.public, ECDH, false, []);
    return { aes: await agreed(own.privateKey, clerk), epk: await crypto.subtle.exportKey("jwk", own.publicKey) };
  }
  async function openSeal(privateJwk, epk) {
    const clerk = await crypto.subtle.importKey("jwk", privateJwk, ECDH, false, ["deriveBits"]);
    return agreed(clerk, await crypto.subtle.importKey("jwk", epk, ECDH, false, []));
  }
  async function seal(aes, bytes) {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    return { iv, data: await crypto.subtle.encrypt({ name: "AES-GCM", iv }, aes, bytes) };
  }
  const unseal = (aes, box) => crypto.subtle.decrypt({ name: "AES-GCM", iv: box.iv }, aes, box.data);
  const sealJson = (aes, value) => seal(aes, utf8.encode(JSON.stringify(value)));
  const unsealJson = async (aes, box) => JSON.parse(new TextDecoder().decode(await unseal(aes, box)));

  // --- the network ------------------------------------------------------------------------------
  let reachable = navigator.onLine;
  let signedOut = false;
  let clerkKey = null; // {kid, private, csrf}: asked of the portal when sending, held here only
  const noStore = { credentials: "same-origin", redirect: "manual", cache: "no-store" };

  async function ask(url, options = {}) {
    try {
      const response = await fetch(url, { ...noStore, ...options });
      reachable = true;
      if (response.type === "opaqueredirect" || response.status === 401) signedOut = true;
      return response;
    } catch (error) {
      reachable = false;
      return null;
    }
  }
  const isJson = (response) => (response.headers.get("Content-Type") || "").includes("json");

  async function keyFromPortal() {
    const response = await ask(C.urls.key, { headers: { Accept: "application/json" } });
    if (!response || !response.ok || !isJson(response)) return null;
    const given = await response.json();
    // This page is another clerk's than the one signed in now (a session that ran out, somebody
    // else signed in): send nothing of this page's clerk with that key; signing in again does.
    signedOut = given.user !== C.user;
    return signedOut ? null : { kid: given.kid, private: given.private, csrf: given.csrf };
  }
  // The portal's messages in the page's language (the API answers by Accept-Language).
  const language = { "Accept-Language": document.documentElement.lang || "vi" };
  const post = (url, body, headers) =>
    ask(url, { method: "POST", body, headers: { "X-CSRFToken": clerkKey.csrf, Accept: "application/json", ...language, ...headers } });

  // --- sending ----------------------------------------------------------------------------------
  // One tab sends at a time (a Web Lock; another tab finds the lock taken and leaves it); the
  // portal's Idempotency-Keys make a second send of the same dossier or scan harmless anyway.
  // What one dossier meets (an answer the page does not expect, a dossier it cannot open) is noted
  // on its line and the next one goes; no network, a portal that fails or a sign-out stop them all.
  const STOP = "stop", NEXT = "next";
  async function sendAll() {
    if (!navigator.onLine) {
      reachable = false;
      return show();
    }
    const run = async () => {
      let all = false;
      try {
        const db = await store();
        const waiting = mine(await db.getAll("dossiers"))
          .filter((dossier) => PENDING.includes(dossier.state))
          .sort((a, b) => a.captured_at.localeCompare(b.captured_at));
        if (waiting.length && !(clerkKey = await keyFromPortal())) return;
        all = true;
        for (const dossier of waiting) {
          let outcome;
          try {
            outcome = await sendOne(dossier);
          } catch (error) {
            outcome = await trouble(dossier, String(error));
          }
          if (outcome === STOP) {
            all = false;
            break;
          }
          if (outcome === NEXT) all = false;
        }
        if (waiting.length && all) await db.put("meta", new Date().toISOString(), `sent:${C.user}`);
        await forget();
      } finally {
        retry(all);
      }
    };
    if (navigator.locks) await navigator.locks.request("lienthong-desk-outbox", { ifAvailable: true }, (lock) => lock && run());
    else await run();
    changed();
  }

  // An answer this dossier alone met: noted on its line, tried again with the others later.
  async function trouble(dossier, what) {
    dossier.trouble = what;
    await (await store()).put("dossiers", dossier);
    return NEXT;
  }
  // An answer the page does not expect: the portal down or a sign-out stop every send; anything
  // else (a 404, a 413) is this dossier's trouble.
  const failed = (dossier, response) =>
    signedOut || response.status >= 500 ? STOP : trouble(dossier, String(response.status));

  async function sendOne(dossier) {
    const db = await store();
    if (dossier.kid !== clerkKey.kid) {
      dossier.state = "unreadable"; // sealed under a key of this clerk the portal no longer gives
      await db.put("dossiers", dossier);
      return NEXT;
    }
    const aes = await openSeal(clerkKey.private, dossier.epk);
    if (!dossier.code) {
      const { fields } = await unsealJson(aes, dossier.box);
      const body = JSON.stringify({ fields, captured_at: dossier.captured_at, local_number: dossier.number });
      const url = address("file", { KIND: dossier.kind });
      const response = await post(url, body, { "Content-Type": "application/json", "Idempotency-Key": dossier.key });
      if (!response) return STOP;
      if (response.status === 200 || response.status === 201) {
        dossier.code = (await response.json()).code;
        dossier.state = "filed";
      } else if ([400, 403, 409].includes(response.status) && isJson(response)) {
        dossier.refusal = await sealJson(aes, await response.json()); // the portal's messages may quote the dossier
        dossier.state = "refused";
      } else {
        return failed(dossier, response);
      }
      delete dossier.trouble;
      await db.put("dossiers", dossier);
      changed();
      if (dossier.state === "refused") return NEXT;
    }
    for (const scan of await scansOf(dossier.id)) {
      if (scan.sent || scan.refused) continue;
      const about = await unsealJson(aes, scan.about);
      const form = new FormData();
      form.append("kind", about.label);
      form.append("file", new Blob([await unseal(aes, scan.box)], { type: about.type }), about.name);
      const url = address("attachments", { CODE: dossier.code });
      const response = await post(url, form, { "Idempotency-Key": `${dossier.key}.scan.${scan.n}` });
      if (!response) return STOP;
      if (response.status === 200 || response.status === 201) {
        scan.sent = true;
        scan.box = null; // the portal holds it: its data leave the device
      } else if ([400, 409].includes(response.status) && isJson(response)) {
        const refusal = await response.json(); // kept on the device for the clerk to attach by hand
        scan.refused = Object.values(refusal.errors || {}).flat().join(" ") || refusal.detail || "";
      } else {
        return failed(dossier, response);
      }
      await db.put("scans", scan);
      changed();
    }
    // Shown "sent" only once the portal gives the dossier back.
    const check = await ask(address("check", { CODE: dossier.code }), { headers: { Accept: "application/json" } });
    if (!check) return STOP;
    if (check.status !== 200) return failed(dossier, check);
    const scans = await scansOf(dossier.id);
    Object.assign(dossier, { state: "sent", sent_at: new Date().toISOString() });
    dossier.scans_refused = scans.filter((scan) => scan.refused).map((scan) => [scan.n, scan.refused]);
    delete dossier.trouble;
    delete dossier.box;
    if (!dossier.scans_refused.length) delete dossier.epk; // what opens the refused scans stays with them
    const tx = db.transaction(["dossiers", "scans"], "readwrite");
    await Promise.all([
      tx.objectStore("dossiers").put(dossier),
      ...scans.filter((scan) => scan.sent).map((scan) => tx.objectStore("scans").delete([dossier.id, scan.n])),
      tx.done,
    ]);
    return "sent";
  }

  // A send cut short (the link dropped, the portal down) is tried again soon, then less and less
  // often (2 s, 4 s … 30 s); the page also tries every 30 s and whenever the network comes back.
  let backoff = 0;
  let pending = null;
  function retry(done) {
    clearTimeout(pending);
    backoff = done ? 0 : Math.min(backoff ? backoff * 2 : 2000, 30000);
    if (!done) pending = setTimeout(sendAll, backoff);
  }

  // The line of a sent dossier (its number and code, nothing of its data) goes after keep_hours.
  async function forget() {
    const db = await store();
    const before = Date.now() - C.keep_hours * 3600 * 1000;
    for (const dossier of await db.getAll("dossiers")) {
      const kept = (dossier.scans_refused || []).length; // a refused scan stays until the clerk takes it
      if (dossier.state === "sent" && !kept && Date.parse(dossier.sent_at) < before) await db.delete("dossiers", dossier.id);
    }
  }

  function changed() {
    if (channel) channel.postMessage("changed");
    show();
  }
  if (channel) channel.onmessage = () => show();

  // --- what the clerk sees ----------------------------------------------------------------------
  const time = (iso) =>
    new Date(iso).toLocaleString(document.documentElement.lang === "en" ? "en-GB" : "vi-VN", {
      hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric",
    });

  async function show() {
    const db = await store();
    const all = await db.getAll("dossiers");
    const own = mine(all);
    const waiting = own.filter((dossier) => PENDING.includes(dossier.state)).length;
    const refused = own.filter((dossier) => dossier.state === "refused").length;
    const status = document.querySelector("[data-offline-status]");
    if (status) {
      status.hidden = false;
      status.dataset.state = signedOut ? "signin" : reachable ? "online" : "offline";
      status.querySelector("[data-network]").textContent = M[status.dataset.state];
      const counts = [waiting ? say(M.waiting, { n: waiting }) : M.waiting_none];
      if (refused) counts.push(say(M.refused_some, { n: refused }));
      const link = status.querySelector("[data-waiting]");
      link.textContent = counts.join(" · ");
      link.dataset.count = String(waiting);
      const last = await db.get("meta", `sent:${C.user}`);
      status.querySelector("[data-last-sync]").textContent = last ? say(M.last_sync, { time: time(last) }) : M.never_synced;
    }
    const table = document.querySelector("[data-outbox]");
    if (table) showOutbox(table, own, all.length - own.length);
  }

  async function showOutbox(table, own, others) {
    // Read everything first, then build the rows at once: two renders at a time (a change heard
    // from another tab while this one sends) each replace the whole list, never add to it.
    own.sort((a, b) => b.captured_at.localeCompare(a.captured_at));
    const scansByDossier = await Promise.all(own.map((dossier) => scansOf(dossier.id)));
    const rows = document.createElement("tbody");
    for (const [index, dossier] of own.entries()) {
      const scans = scansByDossier[index];
      const row = rows.insertRow();
      row.dataset.number = dossier.number;
      row.dataset.state = dossier.state;
      const cell = (text) => {
        const td = row.insertCell();
        td.textContent = text;
        return td;
      };
      cell(dossier.number);
      const what = cell(C.kinds[dossier.kind] || dossier.kind);
      if (dossier.code) {
        what.append(" · ");
        const link = document.createElement("a");
        link.href = address("bundle", { CODE: dossier.code });
        link.textContent = dossier.code;
        what.append(link);
      }
      cell(time(dossier.captured_at));
      cell(dossier.state === "sent" ? String(dossier.scans) : `${scans.filter((scan) => scan.sent).length}/${dossier.scans}`);
      const state = cell(
        say(M[`state_${dossier.state}`], { sent: scans.filter((scan) => scan.sent).length, total: dossier.scans }),
      );
      for (const [n, message] of dossier.scans_refused || []) {
        const note = document.createElement("p");
        note.className = "warning";
        note.textContent = say(M.scan_refused, { n, message });
        const take = Object.assign(document.createElement("button"), { type: "button", className: "link", textContent: M.scan_download });
        take.addEventListener("click", () => download(dossier, n));
        const done = Object.assign(document.createElement("button"), { type: "button", className: "link", textContent: M.scan_done });
        done.addEventListener("click", () => dismiss(dossier, n));
        note.append(" ", take, " ", done);
        state.append(note);
      }
      if (dossier.trouble && PENDING.includes(dossier.state)) {
        state.append(Object.assign(document.createElement("p"), { className: "warning", textContent: say(M.trouble, { what: dossier.trouble }) }));
      }
      const actions = cell("");
      const link = (text, href) => {
        const a = document.createElement("a");
        a.href = href;
        a.textContent = text;
        actions.append(a, " ");
      };
      if (dossier.state === "refused") {
        link(M.correct, `${address("capture", { KIND: dossier.kind })}?edit=${encodeURIComponent(dossier.id)}`);
      }
      if (dossier.state === "refused" || dossier.state === "unreadable") {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link";
        button.textContent = M.discard;
        button.addEventListener("click", () => discard(dossier));
        actions.append(button);
      }
      if (dossier.state === "sent") link(M.receipt, address("receipt", { CODE: dossier.code }));
    }
    table.querySelector("tbody").replaceWith(rows);
    table.hidden = own.length === 0;
    const summary = document.querySelector("[data-outbox-summary]");
    if (summary) {
      const waiting = own.filter((dossier) => PENDING.includes(dossier.state)).length;
      summary.textContent = [waiting ? say(M.waiting, { n: waiting }) : M.waiting_none, others ? say(M.others, { n: others }) : ""]
        .filter(Boolean)
        .join(" ");
    }
  }

  // A scan the portal refused after its dossier was filed: the clerk takes it off the device (to
  // attach it by hand on the dossier's page), then says it is done and it goes.
  async function download(dossier, n) {
    if (!(clerkKey = clerkKey || (await keyFromPortal()))) return;
    const scan = await (await store()).get("scans", [dossier.id, n]);
    const aes = await openSeal(clerkKey.private, dossier.epk);
    const about = await unsealJson(aes, scan.about);
    const link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([await unseal(aes, scan.box)], { type: about.type }));
    link.download = about.name;
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 60000);
  }
  async function dismiss(dossier, n) {
    const db = await store();
    dossier.scans_refused = dossier.scans_refused.filter(([number]) => number !== n);
    if (!dossier.scans_refused.length) delete dossier.epk;
    const tx = db.transaction(["dossiers", "scans"], "readwrite");
    await Promise.all([tx.objectStore("dossiers").put(dossier), tx.objectStore("scans").delete([dossier.id, n]), tx.done]);
    changed();
  }

  async function discard(dossier) {
    if (!window.confirm(say(M.discard_confirm, { number: dossier.number }))) return;
    const db = await store();
    const tx = db.transaction(["dossiers", "scans"], "readwrite");
    await Promise.all([
      tx.objectStore("dossiers").delete(dossier.id),
      tx.objectStore("scans").delete(IDBKeyRange.bound([dossier.id, 0], [dossier.id, Infinity])),
      tx.done,
    ]);
    changed();
  }

  // --- capture ----------------------------------------------------------------------------------
  function localTime(date) {
    const offset = -date.getTimezoneOffset();
    const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, "0");
    const local = new Date(date.getTime() + offset * 60000).toISOString().slice(0, 19);
    return `${local}${offset >= 0 ? "+" : "-"}${pad(offset / 60)}:${pad(offset % 60)}`;
  }

  // TAM-<yymmdd>-<this device's 3 letters>-<its running number>: unique on the device, and
  // between devices by their letters; the portal keeps it with the dossier, searchable.
  async function nextNumber(day) {
    const db = await store();
    const tx = db.transaction("meta", "readwrite");
    const meta = tx.objectStore("meta");
    let device = await meta.get("device");
    if (!device) {
      const letters = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
      device = Array.from(crypto.getRandomValues(new Uint8Array(3)), (n) => letters[n % letters.length]).join("");
      await meta.put(device, "device");
    }
    const next = ((await meta.get("number")) || 0) + 1;
    await meta.put(next, "number");
    await tx.done;
    return `TAM-${day.slice(2, 4)}${day.slice(5, 7)}${day.slice(8, 10)}-${device}-${String(next).padStart(3, "0")}`;
  }

  function fieldErrors(target, messages) {
    const field = target.closest(".field, fieldset.field") || target;
    field.classList.add("has-error");
    const list = document.createElement("ul");
    list.className = "field-errors";
    list.dataset.offlineErrors = "";
    for (const message of messages) list.append(Object.assign(document.createElement("li"), { textContent: message }));
    const label = field.querySelector(":scope > label, :scope > legend");
    if (label) label.after(list);
    else field.prepend(list);
    target.setAttribute("aria-invalid", "true");
  }
  function clearErrors(form) {
    form.querySelectorAll("[data-offline-errors]").forEach((list) => list.remove());
    form.querySelectorAll(".has-error").forEach((field) => field.classList.remove("has-error"));
    form.querySelectorAll("[aria-invalid]").forEach((field) => field.removeAttribute("aria-invalid"));
  }

  function scanProblems(form) {
    const problems = [];
    const most = Number(form.dataset.scanMaxBytes);
    form.querySelectorAll("fieldset.scan-slot").forEach((slot) => {
      const input = slot.querySelector("input[type=file]");
      const kind = slot.querySelector("select");
      const file = input.files[0];
      if (!file) return;
      if (!kind.value) problems.push([kind, M.scan_kind_missing]);
      if (!C.scan_types.includes(file.type)) problems.push([input, M.scan_type]);
      else if (file.size > most) problems.push([input, say(M.scan_size, { mb: Math.floor(most / 1048576) })]);
    });
    return problems;
  }

  function filled(form) {
    const fields = {};
    for (const [name, value] of new FormData(form)) {
      if (name.startsWith("scan-") || value instanceof File) continue;
      (fields[name] ||= []).push(value);
    }
    return fields;
  }

  function slipFacts(form, number, captured, labels) {
    const chosen = form.querySelector("input[name=variant]:checked");
    const names = [...form.querySelectorAll("input[name$='-full_name']")]
      .filter((input) => input.value.trim() && !input.closest("[hidden]"))
      .map((input) => {
        const legend = input.closest("fieldset.section, section")?.querySelector("legend, h2");
        return [legend ? legend.textContent.trim() : "", input.value.trim()];
      });
    const commune = document.querySelector("[data-commune]");
    return [
      [M.slip_number, number],
      [M.slip_captured, time(captured)],
      ...(commune ? [[M.slip_commune, commune.dataset.commune]] : []),
      [M.slip_clerk, document.querySelector(".site-header .who")?.firstChild?.textContent.trim() || ""],
      [M.slip_procedures, chosen ? chosen.closest("label").textContent.trim() : ""],
      ...names,
      [M.slip_scans, labels.length ? labels.join("; ") : M.slip_scans_none],
    ];
  }

  function showSlip(facts) {
    const slip = document.querySelector("[data-slip]");
    const list = slip.querySelector("[data-slip-facts]");
    list.replaceChildren();
    for (const [label, value] of facts) {
      list.append(Object.assign(document.createElement("dt"), { textContent: label }));
      list.append(Object.assign(document.createElement("dd"), { textContent: value }));
    }
    document.querySelector("[data-offline-capture]").hidden = true;
    document.querySelector("[data-capture-errors]").hidden = true;
    slip.hidden = false;
    document.body.classList.add("slip-shown");
    slip.focus();
  }

  async function capture(form, editing) {
    clearErrors(form);
    const problems = scanProblems(form);
    if (problems.length) {
      problems.forEach(([target, message]) => fieldErrors(target, [message]));
      problems[0][0].focus();
      return;
    }
    if (!C.key) {
      form.querySelector("[data-capture-state]").textContent = M.no_key;
      return;
    }
    const db = await store();
    const now = new Date();
    const dossier = editing || {
      id: crypto.randomUUID(),
      user: C.user,
      kid: C.key.kid,
      kind: form.dataset.kind,
      captured_at: localTime(now),
      number: await nextNumber(localTime(now)),
      scans: 0,
    };
    const { aes, epk } = editing ? { aes: editing.aes, epk: editing.epk } : await newSeal();
    delete dossier.aes;
    const scans = [];
    const labels = editing ? editing.scanLabels : [];
    for (const slot of form.querySelectorAll("fieldset.scan-slot")) {
      const file = slot.querySelector("input[type=file]").files[0];
      if (!file) continue;
      const about = { label: slot.querySelector("select").value, name: file.name, type: file.type, size: file.size };
      labels.push(about.label);
      scans.push({ dossier: dossier.id, n: dossier.scans + scans.length + 1, sent: false,
        about: await sealJson(aes, about), box: await seal(aes, await file.arrayBuffer()) }); // a file's name may name the citizen
    }
    delete dossier.scanLabels;
    Object.assign(dossier, {
      epk,
      box: await sealJson(aes, { fields: filled(form) }),
      key: crypto.randomUUID(), // a new body, a new Idempotency-Key
      state: "waiting",
      scans: dossier.scans + scans.length,
    });
    delete dossier.refusal;
    const tx = db.transaction(["dossiers", "scans"], "readwrite");
    await Promise.all([tx.objectStore("dossiers").put(dossier), ...scans.map((scan) => tx.objectStore("scans").put(scan)), tx.done]);
    showSlip(slipFacts(form, dossier.number, dossier.captured_at, labels));
    announce(say(editing ? M.updated : M.saved, { number: dossier.number }));
    form.reset();
    changed();
    sendAll();
  }

  const announce = (text) => (document.querySelector("[data-slip-saved]").textContent = text);

  // A refused dossier opened again (online: its data need the clerk's key): its fields as they
  // were, the portal's messages at them.
  async function reopen(form, id) {
    const dossier = await (await store()).get("dossiers", id);
    if (!dossier || dossier.state !== "refused" || !(clerkKey = clerkKey || (await keyFromPortal()))) return null;
    const aes = await openSeal(clerkKey.private, dossier.epk);
    const { fields } = await unsealJson(aes, dossier.box);
    for (const element of form.elements) {
      if (!element.name || element.type === "file" || element.name.startsWith("scan-")) continue;
      const values = fields[element.name] || [];
      if (element.type === "radio" || element.type === "checkbox") element.checked = values.includes(element.value);
      else element.value = values[0] || "";
    }
    form.dispatchEvent(new Event("change"));
    const refusal = await unsealJson(aes, dossier.refusal);
    const summary = document.querySelector("[data-capture-errors]");
    const list = summary.querySelector("ul");
    list.replaceChildren();
    for (const [id, messages] of Object.entries(refusal.errors || {})) {
      const target = document.getElementById(id);
      if (target && id !== "dossier") fieldErrors(target, messages);
    }
    // Each message, naming its field, linked to it; a refusal of the whole dossier (a 403, a 409): its detail.
    for (const [id, text] of refusal.summary || [["dossier", refusal.detail]]) {
      const item = document.createElement("li");
      item.append(Object.assign(document.createElement("a"), { href: `#${id}`, textContent: text }));
      list.append(item);
    }
    const kept = await Promise.all((await scansOf(dossier.id)).map((scan) => unsealJson(aes, scan.about)));
    if (kept.length) {
      const note = form.querySelector("[data-kept-scans]");
      note.textContent = say(M.kept_scans, { list: kept.map((about) => `${about.label} (${about.name})`).join("; ") });
      note.hidden = false;
    }
    summary.hidden = false;
    summary.focus();
    return { ...dossier, aes, scanLabels: kept.map((about) => about.label) };
  }

  function captureForm() {
    const form = document.querySelector("[data-offline-capture]");
    if (!form) return;
    let editing = null;
    const id = new URLSearchParams(location.search).get("edit");
    const button = form.querySelector("button[type=submit]");
    if (id) {
      button.disabled = true; // until the refused dossier is open again: saving before would make a new one
      reopen(form, id).then((found) => {
        editing = found;
        button.disabled = !found;
      });
    }
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      capture(form, editing)
        .then(() => (editing = null))
        .catch((error) => {
          // the device's store full or refusing: nothing was saved, and the clerk is told so
          form.querySelector("[data-capture-state]").textContent = say(M.not_saved, { what: String(error) });
        });
    });
    document.querySelector("[data-print]")?.addEventListener("click", () => window.print());
  }

  // --- sign-out: nothing left on the device ------------------------------------------------------
  function signOut() {
    document.querySelectorAll("form[action$='/accounts/logout/']").forEach((form) => {
      form.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (!navigator.onLine) {
          window.alert(M.signout_offline); // the portal would not hear it: the session would stay open
          return;
        }
        try {
          // Everything not yet in the portal's hands, whoever captured it: the wipe takes it all.
          const all = await (await store()).getAll("dossiers");
          const left = all.filter((dossier) => dossier.state !== "sent" || (dossier.scans_refused || []).length).length;
          if (left && !window.confirm(say(M.signout_pending, { n: left }))) return;
          await wipe();
        } catch (error) {
          // a store that will not open or close: the portal's Clear-Site-Data still wipes it
        }
        form.submit();
      });
    });
  }

  // --- start ----------------------------------------------------------------------------------------
  // The worker keeps the pages of the clerk signed in: another clerk's pages (a session that ran
  // out, somebody else signed in on this computer) are fetched again for this one.
  async function keepPagesForThisClerk() {
    const db = await store();
    if ((await db.get("meta", "pages-for")) === C.user) return;
    const worker = await navigator.serviceWorker.ready;
    if (worker.active) worker.active.postMessage("refresh");
    await db.put("meta", C.user, "pages-for");
  }

  function start() {
    if (navigator.serviceWorker) {
      navigator.serviceWorker.register(C.urls.worker, { scope: "/", updateViaCache: "none" }).catch(() => {});
      if (navigator.onLine) keepPagesForThisClerk().catch(() => {});
    }
    signOut();
    captureForm();
    document.querySelector("[data-send-now]")?.addEventListener("click", () => sendAll());
    window.addEventListener("online", () => {
      reachable = true;
      sendAll();
    });
    window.addEventListener("offline", () => {
      reachable = false;
      show();
    });
    setInterval(sendAll, 30000);
    sendAll();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
