// The auditor's explorer. Reads only the public API with the caller's token (sessionStorage, sent as
// an Authorization header, never in the URL). Every name from events goes into the page as text
// (textContent / text nodes), never as HTML.
import cytoscape from "cytoscape";
import dagre from "cytoscape-dagre";

cytoscape.use(dagre);

const TOKEN_KEY = "gov.explorer.token";
const READER_ROLES = ["auditor", "approver", "admin"];
// Big graphs: above COLLAPSE_OVER nodes, the nodes of one namespace at one distance from the root are
// drawn as one group (a click opens it, a click on the open group's frame closes it; "Show all" draws
// every node). Drawing 15,000 elements costs seconds in the browser's first frame; a dozen groups do not.
const COLLAPSE_OVER = 300;
const DAGRE_UP_TO = 200; // drawn nodes: above this a cheap layered layout by depth (dagre takes seconds on 500)
const LABELS_UP_TO = 1200; // drawn nodes: above this labels only on the selected node and its neighbours
const $ = (id) => document.getElementById(id);

const view = { node: "", depth: 3, dir: "upstream", asof: "", sel: "", from: "", to: "", tab: "graph", decision: "", open: [], all: false };
const expanded = new Map(); // node id -> ids its expansion added
const groupsOpen = new Set(); // group ids opened by a click
let showAll = false; // "Show all": no groups
let drawn = { positions: null, groups: [] }; // what the last draw computed
let cy = null;
let lastGraph = { nodes: new Map(), edges: new Map() };
let noAuth = false;

// Test and benchmark hooks: what is drawn, and how long the last layout took.
window.__explorer = {
  loads: 0, layouts: 0, layoutMs: null, nodes: [], edges: [], groups: [], hidden: 0, total: 0, ready: false,
  renderedPosition: (id) => { const p = cy.getElementById(id).renderedPosition(); return [p.x, p.y]; },
  openGroup: (id) => toggleGroup(id, true),
};

// ---------- DOM helpers (text only) ----------
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = String(v);
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
const clear = (e) => { while (e.firstChild) e.removeChild(e.firstChild); return e; };
function status(text, error) {
  const s = $("status");
  s.textContent = text || "";
  s.classList.toggle("error", !!error);
}

// ---------- API ----------
function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }
class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}
async function api(path, params, { raw } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(params || {})) if (v !== "" && v !== null && v !== undefined) url.searchParams.set(k, v);
  const headers = { Accept: "application/json" };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  const res = await fetch(url, { headers, credentials: "omit", cache: "no-store", referrerPolicy: "no-referrer" });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try { const body = await res.json(); if (body && body.error) message = body.error.message + (body.error.where ? ` (${body.error.where})` : ""); } catch (_) { /* not JSON */ }
    if (res.status === 401 && !noAuth) { signOut(`signed out: ${message}`); }
    throw new ApiError(res.status, message);
  }
  return raw ? res : res.json();
}

// ---------- sign-in ----------
async function whoami() {
  try { return await api("/api/v1/whoami"); } catch (e) { return e; }
}
function showSignIn(message) {
  $("app").hidden = true;
  $("signin").hidden = false;
  $("signout").hidden = true;
  $("who").textContent = "";
  $("signin-error").textContent = message || "";
  $("token").value = "";
  $("token").focus();
}
function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  showSignIn(message);
}
function open(me) {
  $("signin").hidden = true;
  $("app").hidden = false;
  $("signout").hidden = noAuth;
  $("who").textContent = noAuth ? `${me.name} (${me.role}, authentication off)` : `${me.name} (${me.role})`;
  applyHash();
}
async function signIn(ev) {
  ev.preventDefault();
  const secret = $("token").value.trim();
  if (!secret) { $("signin-error").textContent = "paste a token first"; return; }
  sessionStorage.setItem(TOKEN_KEY, secret);
  const me = await whoami();
  if (me instanceof Error) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(me.status === 401 ? "token refused: unknown or revoked" : `sign-in failed: ${me.message}`);
    return;
  }
  if (!READER_ROLES.includes(me.role)) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(`token refused: role '${me.role}' may not read everything (auditor, approver or admin needed)`);
    return;
  }
  $("token").value = "";
  open(me);
}

// ---------- URL hash: the view, so a link reopens it ----------
function readHash() {
  const p = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  view.node = p.get("node") || "";
  view.depth = Math.max(1, Math.min(50, parseInt(p.get("depth") || "3", 10) || 3));
  view.dir = ["upstream", "downstream", "both"].includes(p.get("dir")) ? p.get("dir") : "upstream";
  view.asof = p.get("asof") || "";
  view.sel = p.get("sel") || "";
  view.from = p.get("from") || "";
  view.to = p.get("to") || "";
  view.tab = p.get("view") === "blocked" ? "blocked" : "graph";
  view.decision = p.get("decision") || "";
  view.open = p.getAll("open").slice(0, 200); // opened groups of a big graph, as "depth:namespace"
  view.all = p.get("all") === "1";
}
function hashOf(v) {
  const p = new URLSearchParams();
  if (v.tab === "blocked") {
    p.set("view", "blocked");
    if (v.decision) p.set("decision", v.decision);
    return "#" + p.toString();
  }
  if (v.node) p.set("node", v.node);
  p.set("depth", String(v.depth));
  p.set("dir", v.dir);
  if (v.asof) p.set("asof", v.asof);
  if (v.sel) p.set("sel", v.sel);
  if (v.from && v.to) { p.set("from", v.from); p.set("to", v.to); }
  for (const g of v.open || []) p.append("open", g);
  if (v.all) p.set("all", "1");
  return "#" + p.toString();
}
function go(changes) {
  const other = changes.node !== undefined && changes.node !== view.node; // another root: no groups open
  const next = hashOf({ ...view, ...(other ? { open: [], all: false } : {}), ...changes });
  if (next === window.location.hash) applyHash();
  else window.location.hash = next; // hashchange -> applyHash
}
let lastLoaded = "";
async function applyHash() {
  readHash();
  $("direction").value = view.dir;
  $("depth").value = String(view.depth);
  $("asof").value = view.asof;
  $("path-from").value = view.from;
  $("path-to").value = view.to;
  showTab(view.tab);
  if (view.tab === "blocked") { await loadBlocked(); return; }
  if (!view.node) lastLoaded = "";
  const key = JSON.stringify([view.node, view.depth, view.dir, view.asof, view.from, view.to]);
  if (view.node && key !== lastLoaded) {
    lastLoaded = key;
    await loadGraph();
  }
  if (view.sel && cy) selectNode(view.sel, false);
  else if (view.node && !view.sel) showPanel(view.node);
}
function showTab(tab) {
  $("view-graph").hidden = tab !== "graph";
  $("view-blocked").hidden = tab !== "blocked";
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.view === tab);
}

// ---------- node ids ----------
function kindOf(id) { return id.split(":", 1)[0]; }
function labelOf(id) {
  if (kindOf(id) === "model") return id.slice(6).replace(/@([^@]*)$/, " v$1");
  const rest = id.slice(id.indexOf(":") + 1);
  const i = rest.lastIndexOf(":");
  return i >= 0 ? rest.slice(i + 1) : rest;
}
function namespaceOf(id) {
  const rest = id.slice(id.indexOf(":") + 1);
  const i = rest.lastIndexOf(":");
  return i >= 0 ? rest.slice(0, i) : "";
}
function modelParts(id) {
  const rest = id.slice(6);
  const at = rest.lastIndexOf("@");
  return at > 0 ? [rest.slice(0, at), rest.slice(at + 1)] : [rest, ""];
}

// ---------- graph ----------
async function fetchDirection(root, dir, depth) {
  return api(`/api/v1/lineage/${dir}`, { nodeId: root, depth, asOf: view.asof });
}
async function neighbourhood(root, dir, depth) {
  const dirs = dir === "both" ? ["upstream", "downstream"] : [dir];
  const nodes = new Map(), edges = new Map();
  for (const d of dirs) {
    const g = await fetchDirection(root, d, depth);
    for (const n of g.nodes) if (!nodes.has(n.id) || nodes.get(n.id) > n.depth) nodes.set(n.id, n.depth * (d === "upstream" ? -1 : 1));
    for (const e of g.edges) edges.set(`${e.origin}\u2192${e.destination}`, [e.origin, e.destination]);
  }
  return { nodes, edges };
}
async function loadGraph() {
  const started = performance.now();
  window.__explorer.ready = false;
  status("loading…");
  expanded.clear();
  groupsOpen.clear();
  for (const t of view.open) { const i = t.indexOf(":"); if (i > 0) groupsOpen.add(`group\u0000${t.slice(i + 1)}\u0000${t.slice(0, i)}`); }
  showAll = view.all;
  try {
    let root = view.node;
    let graph;
    if (kindOf(root) === "model") {
      const [name, version] = modelParts(root);
      const summary = await api(`/api/v1/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/summary`);
      const job = summary.lineage && summary.lineage.job;
      graph = job ? await neighbourhood(job, "upstream", view.depth) : { nodes: new Map(), edges: new Map() };
      graph.nodes.set(root, 1);
      if (job) graph.edges.set(`${job}\u2192${root}`, [job, root]);
    } else {
      graph = await neighbourhood(root, view.dir, view.depth);
    }
    if (view.from && view.to) {
      const found = await api("/api/v1/lineage-path", { from: view.from, to: view.to, asOf: view.asof });
      graph.path = found.path || [];
      if (!found.found) status(`no path from ${view.from} to ${view.to}`, true);
      for (let i = 0; i + 1 < graph.path.length; i++) {
        const [a, b] = [graph.path[i], graph.path[i + 1]];
        if (!graph.nodes.has(a)) graph.nodes.set(a, 0);
        if (!graph.nodes.has(b)) graph.nodes.set(b, 0);
      }
    }
    lastGraph = graph;
    window.__explorer.fetchMs = Math.round(performance.now() - started);
    draw(graph, started);
    const asof = view.asof ? ` as of ${view.asof}` : "";
    if (!(view.from && view.to && graph.path && !graph.path.length))
      status(`${graph.nodes.size} nodes, ${graph.edges.size} edges${asof} — ${view.dir === "both" ? "both directions" : view.dir} of ${root}, depth ${view.depth}`);
  } catch (e) {
    status(`could not load the graph: ${e.message}`, true);
    if (cy) cy.elements().remove();
    window.__explorer.ready = true;
  }
}
function groupId(id, depth) { return `group\u0000${namespaceOf(id)}\u0000${depth}`; }
function elementsOf(graph) {
  // Group a big graph: one group per (namespace, distance from the root); the root, the selected node,
  // models and the nodes of a path stay single. Groups of one are not groups.
  const groupOf = new Map(), members = new Map();
  if (graph.nodes.size > COLLAPSE_OVER && !showAll) {
    const single = new Set([view.node, view.sel, ...(graph.path || [])]);
    for (const [id, depth] of graph.nodes) {
      if (single.has(id) || kindOf(id) === "model") continue;
      const g = groupId(id, depth || 0);
      groupOf.set(id, g);
      if (!members.has(g)) members.set(g, []);
      members.get(g).push(id);
    }
    for (const [g, ids] of members) if (ids.length < 2) { groupOf.delete(ids[0]); members.delete(g); }
  }
  for (const g of [...groupsOpen]) if (!members.has(g)) groupsOpen.delete(g);
  const closed = (g) => g !== undefined && !groupsOpen.has(g);
  const shownAs = (id) => { const g = groupOf.get(id); return closed(g) ? g : id; };
  // Which nodes are drawn, with their depth (a closed group: one node at its members' depth).
  const shown = new Map();
  for (const [id, depth] of graph.nodes) { const v = shownAs(id); if (!shown.has(v)) shown.set(v, depth || 0); }
  const big = shown.size > LABELS_UP_TO;
  const positions = shown.size > DAGRE_UP_TO ? layeredPositions(shown) : null;
  const els = [];
  for (const [g, ids] of members) {
    const first = ids[0], depth = graph.nodes.get(first) || 0;
    const kinds = [...new Set(ids.map(kindOf))].map((k) => `${k}s`).join(" and ");
    const where = `${namespaceOf(first) || "(no namespace)"}, ${Math.abs(depth)} hop${Math.abs(depth) === 1 ? "" : "s"} ${depth < 0 ? "up" : "down"}`;
    if (closed(g)) {
      const node = { group: "nodes", data: { id: g, label: `${ids.length} ${kinds} — ${where}`, kind: "group", size: ids.length, depth }, classes: "group" };
      if (positions) node.position = positions[g];
      els.push(node);
    } else {
      els.push({ group: "nodes", data: { id: g, label: `${where} (${ids.length}; click the frame to close)`, kind: "cluster", size: ids.length }, classes: "cluster" });
    }
  }
  for (const [id, depth] of graph.nodes) {
    if (shownAs(id) !== id) continue;
    const data = { id, label: labelOf(id), kind: kindOf(id), depth };
    if (groupOf.has(id)) data.parent = groupOf.get(id); // an open group: its frame
    const node = { group: "nodes", data, classes: [kindOf(id), id === view.node ? "root" : "", big ? "big" : ""].join(" ") };
    if (positions) node.position = positions[id];
    els.push(node);
  }
  // Edges between drawn nodes; edges into or out of a closed group become one edge per pair, with a count.
  const bundled = new Map();
  for (const [key, [a, b]] of graph.edges) {
    if (!graph.nodes.has(a) || !graph.nodes.has(b)) continue;
    const va = shownAs(a), vb = shownAs(b);
    if (va === a && vb === b) { els.push({ group: "edges", data: { id: key, source: a, target: b }, classes: big ? "big" : "" }); continue; }
    if (va === vb) continue;
    const k = `bundle\u0000${va}\u0000${vb}`;
    if (bundled.has(k)) bundled.get(k).data.count += 1;
    else bundled.set(k, { group: "edges", data: { id: k, source: va, target: vb, count: 1 }, classes: big ? "bundle big" : "bundle" });
  }
  for (const e of bundled.values()) { e.data.label = e.data.count > 1 ? String(e.data.count) : ""; els.push(e); }
  drawn = { positions, groups: [...members].map(([g, ids]) => ({ id: g, size: ids.length, open: !closed(g) })), hidden: graph.nodes.size - [...shown.keys()].filter((v) => graph.nodes.has(v)).length };
  return els;
}
const STYLE = [
  { selector: "node", style: { label: "data(label)", "font-size": 11, "text-valign": "bottom", "text-margin-y": 4, "text-wrap": "ellipsis", "text-max-width": 180, width: 26, height: 26, "background-color": "#5b7ea8", color: "#1b1f24" } },
  { selector: "node.dataset", style: { shape: "round-rectangle", "background-color": "#4f86c6" } },
  { selector: "node.job", style: { shape: "ellipse", "background-color": "#8c6bb1" } },
  { selector: "node.model", style: { shape: "diamond", "background-color": "#d9822b", width: 34, height: 34 } },
  { selector: "node.root", style: { "border-width": 4, "border-color": "#f5a623" } },
  { selector: "node.group", style: { shape: "round-rectangle", width: 46, height: 30, "background-color": "#c9d6e6", "border-width": 2, "border-color": "#5b7ea8", "border-style": "double", "text-wrap": "wrap", "text-max-width": 200, "font-size": 11 } },
  { selector: "edge.bundle", style: { width: "mapData(count, 1, 500, 2, 9)", label: "data(label)", "font-size": 10, color: "#455", "text-background-color": "#fff", "text-background-opacity": 0.8 } },
  { selector: "node.field", style: { shape: "round-rectangle", width: 18, height: 14, "background-color": "#6a9fd4", "text-valign": "center", "text-halign": "right", "text-margin-x": 4, "text-margin-y": 0 } },
  { selector: "edge.column", style: { label: "data(label)", "font-size": 9, color: "#555", "text-rotation": "autorotate", "text-background-color": "#fff", "text-background-opacity": 0.8 } },
  { selector: "node.cluster", style: { "background-color": "#eef2f7", "background-opacity": 0.6, "border-width": 1, "border-color": "#a8b4c4", "text-valign": "top", "font-size": 12, shape: "round-rectangle" } },
  { selector: "node:selected", style: { "border-width": 4, "border-color": "#111" } },
  { selector: "edge", style: { width: 1.5, "line-color": "#9aa6b5", "target-arrow-color": "#9aa6b5", "target-arrow-shape": "triangle", "curve-style": "bezier", "arrow-scale": 0.8 } },
  // Big graphs: straight edges, and labels (a text measurement each) on the selected node and its neighbours only.
  { selector: "node.big", style: { label: "", "text-wrap": "none" } },
  { selector: "node.big.labelled, node.big:selected", style: { label: "data(label)" } },
  { selector: "edge.big", style: { "curve-style": "haystack", "haystack-radius": 0 } },
  { selector: ".onpath", style: { "line-color": "#d62728", "target-arrow-color": "#d62728", width: 4, "border-color": "#d62728", "border-width": 4 } },
];
function layeredPositions(nodes) {
  // Cheap left-to-right layers for big graphs: one layer per signed depth, in depth order; a layer of
  // more than LAYER_ROWS nodes wraps into several columns, so it stays about as tall as it is wide.
  const LAYER_ROWS = 40;
  const layers = new Map();
  for (const [id, depth] of nodes) {
    const d = depth || 0;
    if (!layers.has(d)) layers.set(d, []);
    layers.get(d).push(id);
  }
  const pos = {};
  let x = 0;
  for (const d of [...layers.keys()].sort((a, b) => a - b)) {
    const ids = layers.get(d).sort();
    const cols = Math.ceil(ids.length / LAYER_ROWS), rows = Math.min(ids.length, LAYER_ROWS);
    ids.forEach((id, i) => { pos[id] = { x: x + Math.floor(i / rows) * 90, y: ((i % rows) - rows / 2) * 40 }; });
    x += (cols - 1) * 90 + 260;
  }
  return pos;
}
function ensureCy() {
  if (!cy) {
    cy = cytoscape({ container: $("graph"), elements: [], style: STYLE, wheelSensitivity: 0.3, minZoom: 0.02, maxZoom: 3, textureOnViewport: true, hideEdgesOnViewport: true });
    let lastTap = null; // a tap on a node inside an open group bubbles to the group: handle it once
    cy.on("tap", "node", (ev) => {
      if (ev.originalEvent && ev.originalEvent === lastTap) return;
      lastTap = ev.originalEvent;
      const n = ev.target;
      if (columnsOf) { if (n.hasClass("field")) selectNode(n.data("dataset"), true); return; }
      if (n.hasClass("group")) toggleGroup(n.id(), true);
      else if (n.hasClass("cluster")) toggleGroup(n.id(), false);
      else selectNode(n.id(), true);
    });
    cy.on("dbltap", "node", (ev) => { if (!columnsOf && !ev.target.hasClass("cluster") && !ev.target.hasClass("group")) toggleExpand(ev.target.id()); });
  }
}
// ---------- column view: one dataset's fields and the input fields each was computed from ----------
let columnsOf = ""; // the dataset whose column lineage is drawn instead of the dataset graph
function drawColumns(id, columns) {
  ensureCy();
  const started = performance.now();
  const els = [], seen = new Set();
  const field = (ds, f) => {
    const fid = `field\u0000${ds}\u0000${f}`;
    if (!seen.has(ds)) { seen.add(ds); els.push({ group: "nodes", data: { id: ds, label: labelOf(ds), kind: "cluster" }, classes: `cluster${ds === id ? " root" : ""}` }); }
    if (!seen.has(fid)) { seen.add(fid); els.push({ group: "nodes", data: { id: fid, label: f, parent: ds, dataset: ds, kind: "field" }, classes: "field" }); }
    return fid;
  };
  for (const c of columns) {
    const out = field(id, c.field);
    for (const x of c.inputs) {
      const src = field(x.dataset, x.field);
      els.push({ group: "edges", data: { id: `${src}\u2192${out}`, source: src, target: out, label: x.transformation || "" }, classes: "column" });
    }
  }
  columnsOf = id;
  drawn = { positions: null, groups: [], hidden: 0 };
  cy.batch(() => { cy.elements().remove(); cy.add(els); });
  const layout = cy.layout({ name: "dagre", rankDir: "LR", nodeSep: 14, rankSep: 160, fit: true, padding: 24, animate: false });
  layout.one("layoutstop", () => layoutDone(started));
  layout.run();
  status(`column lineage of ${id}: ${columns.length} fields (from its columnLineage facets; "Dataset view" in the panel goes back)`);
}
function toggleColumns(id, columns) {
  if (columnsOf === id) { draw(lastGraph, performance.now()); status("dataset view"); }
  else drawColumns(id, columns);
  const b = $("toggle-columns");
  if (b) { b.textContent = columnsOf ? "Dataset view" : "Column view"; b.setAttribute("aria-pressed", String(!!columnsOf)); }
}
function draw(graph, started) {
  columnsOf = "";
  const els = elementsOf(graph);
  ensureCy();
  cy.batch(() => {
    cy.elements().remove();
    cy.add(els);
  });
  // Big graphs: straight edges, labels only once zoomed in enough to read them.

  if (graph.path && graph.path.length) {
    const on = new Set(graph.path);
    cy.nodes().filter((n) => on.has(n.id())).addClass("onpath");
    for (let i = 0; i + 1 < graph.path.length; i++) cy.getElementById(`${graph.path[i]}\u2192${graph.path[i + 1]}`).addClass("onpath");
  }
  window.__explorer.addMs = started ? Math.round(performance.now() - started) : null;
  runLayout(graph, started);
  if (!$("table-view").hidden) renderTable(); // else drawn when the table view is opened
}
function runLayout(graph, started) {
  const big = !!drawn.positions;
  const preset = big && !cy.nodes(".cluster").length; // positions came with the elements
  if (preset) {
    // Positions came with the elements: fit from them directly (no layout pass, no bounding boxes).
    let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
    for (const p of Object.values(drawn.positions)) { x1 = Math.min(x1, p.x); y1 = Math.min(y1, p.y); x2 = Math.max(x2, p.x); y2 = Math.max(y2, p.y); }
    const w = cy.width() || 800, h = cy.height() || 600, pad = 30;
    const zoom = Math.max(cy.minZoom(), Math.min(1.2, (w - 2 * pad) / Math.max(1, x2 - x1), (h - 2 * pad) / Math.max(1, y2 - y1)));
    cy.viewport({ zoom, pan: { x: w / 2 - zoom * (x1 + x2) / 2, y: h / 2 - zoom * (y1 + y2) / 2 } });
    layoutDone(started);
    return;
  }
  const options = big
    ? { name: "preset", positions: drawn.positions, fit: true, padding: 20 }
    : { name: "dagre", rankDir: "LR", nodeSep: 22, rankSep: 150, edgeSep: 6, fit: true, padding: 24, animate: false };
  const layout = cy.layout(options);
  layout.one("layoutstop", () => layoutDone(started));
  layout.run();
}
function layoutDone(started) {
  {
    const h = window.__explorer;
    h.layouts += 1;
    h.loads += 1;
    h.layoutMs = started ? Math.round(performance.now() - started) : null;
    h.nodes = cy.nodes().not(".cluster, .group").map((n) => n.id()).sort();
    h.groups = drawn.groups;
    h.hidden = drawn.hidden;
    h.total = lastGraph.nodes.size;
    const tg = $("toggle-groups");
    tg.hidden = lastGraph.nodes.size <= COLLAPSE_OVER;
    tg.textContent = showAll ? "Group big layers" : `Show all ${lastGraph.nodes.size} nodes`;
    tg.setAttribute("aria-pressed", String(showAll));
    h.edges = cy.edges().map((e) => [e.source().id(), e.target().id()]);
    if (cy.zoom() > 1.2) { cy.zoom(1.2); cy.center(); }
    h.ready = true;
    document.body.dataset.graph = String(h.loads);
    // and when the first frame showing it has been painted
    requestAnimationFrame(() => requestAnimationFrame(() => { h.paintMs = started ? Math.round(performance.now() - started) : null; }));
  }
}
function rememberGroups() {
  // the URL carries the opened groups and "Show all", so a copied link reopens this view
  view.open = [...groupsOpen].map((g) => { const [, ns, depth] = g.split("\u0000"); return `${depth}:${ns}`; });
  view.all = showAll;
  history.replaceState(null, "", hashOf(view));
}
function toggleGroup(g, open) {
  if (open) groupsOpen.add(g); else groupsOpen.delete(g);
  rememberGroups();
  const size = (drawn.groups.find((x) => x.id === g) || {}).size || 0;
  draw(lastGraph, performance.now());
  status(`${open ? "opened" : "closed"} a group of ${size} nodes (${lastGraph.nodes.size} nodes, ${lastGraph.edges.size} edges in all; the table view lists every edge)`);
}
async function toggleExpand(id) {
  if (expanded.has(id)) {
    const added = expanded.get(id);
    expanded.delete(id);
    for (const nid of added) { if (nid !== view.node) { lastGraph.nodes.delete(nid); } }
    for (const [k, [a, b]] of lastGraph.edges) if (!lastGraph.nodes.has(a) || !lastGraph.nodes.has(b)) lastGraph.edges.delete(k);
    draw(lastGraph, performance.now());
    status(`collapsed ${id}`);
    return;
  }
  if (kindOf(id) === "model") return;
  try {
    const more = await neighbourhood(id, view.dir, 1);
    const added = [];
    const base = lastGraph.nodes.get(id) || 0;
    for (const [nid, d] of more.nodes) if (!lastGraph.nodes.has(nid)) { lastGraph.nodes.set(nid, base + Math.sign(d || -1)); added.push(nid); }
    for (const [k, v] of more.edges) lastGraph.edges.set(k, v);
    expanded.set(id, added);
    draw(lastGraph, performance.now());
    status(`expanded ${id}: ${added.length} new nodes`);
  } catch (e) { status(`could not expand: ${e.message}`, true); }
}
function selectNode(id, updateHash) {
  if (cy) {
    cy.batch(() => {
      cy.nodes().unselect();
      cy.nodes(".labelled").removeClass("labelled");
      const n = cy.getElementById(id);
      if (n && n.length) { n.select(); n.closedNeighborhood("node").addClass("labelled"); }
    });
  }
  if (updateHash) { view.sel = id; history.replaceState(null, "", hashOf(view)); }
  showPanel(id);
}

// ---------- table view (keyboard-navigable) ----------
function renderTable() {
  const body = clear($("edge-table").querySelector("tbody"));
  const rows = [...lastGraph.edges.values()].sort((x, y) => (x[0] + x[1]).localeCompare(y[0] + y[1]));
  for (const [a, b] of rows) {
    const tr = el("tr", { tabindex: "0", "data-from": a, "data-to": b }, el("td", { text: a }), el("td", { text: b }));
    body.append(tr);
  }
  if (!rows.length) for (const id of lastGraph.nodes.keys()) body.append(el("tr", { tabindex: "0", "data-from": id }, el("td", { text: id }), el("td", { text: "" })));
}
function tableKeys(ev) {
  const tr = ev.target.closest("tr");
  if (!tr) return;
  if (ev.key === "ArrowDown" && tr.nextElementSibling) { tr.nextElementSibling.focus(); ev.preventDefault(); }
  else if (ev.key === "ArrowUp" && tr.previousElementSibling) { tr.previousElementSibling.focus(); ev.preventDefault(); }
  else if (ev.key === "Enter") selectNode(ev.shiftKey && tr.dataset.to ? tr.dataset.to : tr.dataset.from, true);
}

// ---------- node panel ----------
function section(title, ...children) { return [el("h3", { text: title }), ...children]; }
function tagChip(t) {
  const value = t.value || t.key;
  return el("span", { class: `tag ${String(value).toLowerCase()}`, title: t.source ? `${t.key} from ${t.source}` : t.key, text: value });
}
function kv(rows) {
  return el("table", { class: "kv" }, rows.filter((r) => r).map(([k, v]) => el("tr", {}, el("th", { scope: "row", text: k }), el("td", {}, v instanceof Node ? v : String(v ?? "—")))));
}
function json(v) { return el("pre", { text: JSON.stringify(v, null, 2) }); }
function link(text, hash) { return el("a", { href: hash, text }); }
function verdictClass(v) { return v === "pass" ? "verdict-pass" : v === "fail" ? "verdict-fail" : "verdict-other"; }
function nodeButtons(id) {
  return el("div", { class: "rowbuttons" },
    el("button", { type: "button", id: "open-root", onclick: () => go({ node: id, sel: "", from: "", to: "" }), text: "Open as root" }),
    kindOf(id) !== "model" ? el("button", { type: "button", id: "expand", onclick: () => toggleExpand(id), text: expanded.has(id) ? "Collapse" : "Expand" }) : null,
    el("button", { type: "button", onclick: () => { $("path-from").value = id; }, text: "Path from here" }),
    el("button", { type: "button", onclick: () => { $("path-to").value = id; }, text: "Path to here" }));
}
let panelFor = "";
async function showPanel(id, force) {
  // The same node as of the same time is shown already (or loading): keep it (a depth change redraws
  // the graph, not the panel).
  const key = JSON.stringify([id, view.asof]);
  if (!force && key === panelFor && $("panel-title")) return;
  panelFor = key;
  const panel = clear($("panel"));
  panel.append(el("h2", { id: "panel-title", text: id }), nodeButtons(id), el("p", { class: "muted", text: "loading…" }));
  try {
    const content = kindOf(id) === "model" ? await modelPanel(id) : kindOf(id) === "job" ? await jobPanel(id) : await datasetPanel(id);
    if (panelFor !== key) return;
    panel.removeChild(panel.lastChild);
    panel.append(...content);
  } catch (e) {
    if (panelFor !== key) { return; }
    panelFor = ""; // an error is not kept: showing the node again retries
    panel.removeChild(panel.lastChild);
    panel.append(el("p", { class: "verdict-fail", role: "alert", text: `could not load: ${e.message}` }));
  }
}
async function datasetPanel(id) {
  const d = await api(`/api/v1/nodes/dataset/${encodeURIComponent(id)}`, { asOf: view.asof });
  const r = d.retention || {};
  const out = [];
  out.push(kv([["namespace", d.namespace], ["name", d.name], ["first seen", d.first_seen], ["last seen", d.last_seen], d.as_of ? ["facets as of", d.as_of] : null]));
  out.push(...section("Ownership", d.owners.length ? el("ul", { id: "owners" }, d.owners.map((o) => el("li", {}, o.name, o.type ? el("span", { class: "muted", text: ` (${o.type})` }) : null))) : el("p", { class: "muted", id: "owners", text: "no ownership facet" })));
  out.push(...section("Classification and retention", el("div", { id: "retention" },
    el("p", {}, "tags: ", d.tags.length ? d.tags.map(tagChip) : el("span", { class: "muted", text: "none" })),
    kv([["state", el("span", { class: `state-${r.state}`, text: r.state || "unknown" })], ["classification", r.classification || (r.classifications || []).join(", ") || "—"], ["max age", r.max_age_days != null ? `${r.max_age_days} days` : "—"], ["deadline", r.deadline || "—"], ["policy", r.policy || "—"], ["deletion", r.deletion ? `${r.deletion.change} at ${r.deletion.at}` : "none recorded"]]))));
  out.push(...section("Schema", d.schema.length ? el("table", { id: "schema" }, el("thead", {}, el("tr", {}, el("th", { text: "field" }), el("th", { text: "type" }), el("th", { text: "tags" }))),
    el("tbody", {}, d.schema.map((f) => el("tr", {}, el("td", { text: f.name }), el("td", { text: f.type || "" }), el("td", {}, f.tags.map(tagChip)))))) : el("p", { class: "muted", text: "no schema facet" })));
  const columns = d.columns || [];
  out.push(...section(`Column lineage (${columns.length} field${columns.length === 1 ? "" : "s"})`, columns.length ? el("button", { type: "button", id: "toggle-columns", "aria-pressed": String(columnsOf === id), onclick: () => toggleColumns(id, columns), text: columnsOf === id ? "Dataset view" : "Column view" }) : null, columns.length ? el("table", { id: "columns" },
    el("thead", {}, el("tr", {}, el("th", { text: "field" }), el("th", { text: "computed from" }), el("th", { text: "how" }))),
    el("tbody", {}, columns.flatMap((c) => c.inputs.map((x, i) => el("tr", {}, el("td", { text: i === 0 ? c.field : "" }),
      el("td", {}, link(labelOf(x.dataset), hashOf({ ...view, node: x.dataset, sel: "" })), `.${x.field}`), el("td", { text: x.transformation || "" })))))) : el("p", { class: "muted", id: "columns", text: "no column lineage reported" })));
  out.push(...section("Versions and runs", d.runs.length ? el("table", {}, el("tbody", {}, d.runs.map((x) => el("tr", {}, el("td", { text: x.direction === "in" ? "read by" : "written by" }), el("td", {}, link(labelOf(x.job), hashOf({ ...view, node: x.job, sel: "" }))), el("td", { text: x.version || "" }), el("td", { text: x.state || "" }), el("td", { text: x.started_at || "" }))))) : el("p", { class: "muted", text: "no runs" })));
  out.push(...section(`Ingestion warnings (${d.warnings.length})`, d.warnings.length ? el("ul", {}, d.warnings.map((w) => el("li", {}, `${w.code} at ${w.json_path}: ${w.message}`))) : el("p", { class: "muted", text: "none" })));
  out.push(...section("Facets", json(d.facets)));
  out.push(...section(`Facet history (${d.facet_history.length})`, el("ul", {}, d.facet_history.map((h) => el("li", {}, `${h.event_time} ${h.facet}`)))));
  return out;
}
async function jobPanel(id) {
  const j = await api(`/api/v1/nodes/job/${encodeURIComponent(id)}`);
  return [
    kv([["namespace", j.namespace], ["name", j.name], ["first seen", j.first_seen], ["last seen", j.last_seen]]),
    ...section(`Runs (${j.runs.length})`, el("table", { id: "runs" }, el("thead", {}, el("tr", {}, ["run", "state", "started", "ended", "error"].map((h) => el("th", { text: h })))),
      el("tbody", {}, j.runs.map((r) => el("tr", {}, el("td", { text: r.run_id }), el("td", { class: r.state === "FAIL" ? "verdict-fail" : "", text: r.state || "" }), el("td", { text: r.started_at || "" }), el("td", { text: r.ended_at || "" }), el("td", { text: r.error || "" })))))),
    ...section("Facets", json(j.facets)),
  ];
}
async function modelPanel(id) {
  const [name, version] = modelParts(id);
  const s = await api(`/api/v1/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/summary`);
  const out = [kv([["model", s.model.name], ["version", s.version.version], ["owner", s.model.owner], ["risk tier", s.model.risk_tier], ["status", s.version.status], ["stage", s.version.stage], ["artifact", s.version.artifact_uri], ["digest", s.version.artifact_digest], ["created", `${s.version.created_at} by ${s.version.created_by}`]])];
  const l = s.lineage;
  out.push(...section("Lineage closure", l.status !== "known" ? el("p", { class: "verdict-fail", text: `missing: ${l.status}` }) :
    el("div", {}, el("p", {}, "training run ", el("code", { text: l.run_id }), " of ", link(labelOf(l.job), hashOf({ ...view, node: l.job, sel: "" })), ` (${l.state})`),
      el("ul", {}, l.inputs.map((x) => el("li", {}, "input ", link(x, hashOf({ ...view, node: x, sel: "" })))), l.upstream_datasets.map((x) => el("li", {}, "upstream ", link(x, hashOf({ ...view, node: x, sel: "" }))))))));
  out.push(...section(`Fairness evidence (${s.fairness.length})`, s.fairness.length ? el("div", { id: "fairness" }, s.fairness.map(fairnessBlock)) : el("p", { class: "verdict-fail", text: "none recorded" })));
  const stages = s.stage_evidence || [];
  out.push(...section(`Validation-stage evidence (${stages.length})`, stages.length ? el("div", { id: "stage-evidence" }, stages.map(stageBlock)) : el("p", { class: "muted", id: "stage-evidence", text: "none recorded (data, performance, operational)" })));
  out.push(...section(`Approvals (${s.approvals.length})`, el("ul", {}, s.approvals.map((a) => el("li", {}, `${a.role}: ${a.approver} at ${a.created_at}`, a.comment ? ` — ${a.comment}` : "")))));
  out.push(...section(`Waivers (${s.waivers.length})`, el("ul", {}, s.waivers.map((w) => el("li", {}, `${w.policy_id} until ${w.expires_at} by ${w.approver}${w.revoked_at ? " (revoked)" : ""}: ${w.reason}`)))));
  out.push(...section(`Decisions (${s.decisions.length})`, el("div", { id: "decisions" }, s.decisions.map((d) => el("div", {},
    el("p", {}, link(`${d.id.slice(0, 8)}`, hashOf({ tab: "blocked", decision: d.id })), ` ${d.target} `, el("span", { class: d.deployable ? "verdict-pass" : "verdict-fail", text: d.deployable ? "deployable" : "blocked" }), ` ${d.created_at}`),
    el("ul", {}, (d.verdicts || []).map((v) => el("li", {}, el("span", { class: verdictClass(v.verdict), text: v.verdict }), ` ${v.policy_id}: ${v.message || ""}`))))))));
  out.push(...section(`Ledger entries (${s.ledger.length})`, el("ul", {}, s.ledger.map((e) => el("li", {}, `#${e.seq} ${e.at} ${e.target}: ${e.failing_policies.join(", ")}`)))));
  const findings = s.findings || [];
  out.push(...section(`Findings (${findings.length})`, findings.length ? el("table", { id: "findings" }, el("thead", {}, el("tr", {}, ["finding", "severity", "status", "due"].map((h) => el("th", { text: h })))),
    findings.map((f) => el("tbody", { class: "finding" },
      el("tr", {}, el("td", { class: "num", text: f.id }), el("td", { class: `severity-${f.severity}`, text: f.severity }), el("td", { text: f.status }), el("td", { class: "num", title: f.due_date || "", text: f.due_date ? f.due_date.slice(0, 10) : "—" })),
      el("tr", {}, el("td", { colspan: "4", class: "finding-title", text: f.title }))))) : el("p", { class: "muted", id: "findings", text: "none" })));
  const reports = await api("/api/v1/reports").catch(() => []);
  out.push(...section("Signed reports", reports.length ? el("ul", { id: "reports" }, reports.map((r) => el("li", {}, el("a", { href: "#", onclick: (ev) => { ev.preventDefault(); download(r.name); }, text: r.name }), ` (${r.bytes} bytes)`))) : el("p", { class: "muted", text: "no reports in the served folder" })));
  return out;
}
function fairnessBlock(f) {
  const rows = [];
  const results = f.results || {};
  for (const [metric, val] of Object.entries(results.between_groups || results.metrics || {})) {
    if (val && typeof val === "object" && "value" in val) {
      const ci = val.interval || val.ci || (val.low !== undefined ? [val.low, val.high] : null);
      rows.push(el("tr", {}, el("td", { text: metric }), el("td", { class: "num", text: fmt(val.value) }), el("td", { class: "num", text: ci ? `[${fmt(ci[0] ?? ci.low)}, ${fmt(ci[1] ?? ci.high)}]` : "—" })));
    }
  }
  return el("div", {}, el("p", {}, `${f.evaluated_at || ""} on ${f.data_source} (${f.row_count} rows, sensitive: ${(f.sensitive_columns || []).join(", ")})`),
    rows.length ? el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: "metric" }), el("th", { text: "value" }), el("th", { text: "interval" }))), el("tbody", {}, rows)) : json(results));
}
function stageBlock(st) {
  const rows = (st.measurements || []).map((m) => el("tr", {}, el("td", { text: m.subject ? `${m.name} (${m.subject})` : m.name }), el("td", { class: "num", text: fmt(m.value) }),
    el("td", { class: "num", text: m.low != null || m.high != null ? `[${fmt(m.low)}, ${fmt(m.high)}]` : "—" })));
  const level = st.confidence != null ? `, ${Math.round(st.confidence * 100)}% interval` : "";
  return el("div", { class: "stage" },
    el("p", {}, el("strong", { text: `${st.kind}` }), ` (${st.stage} stage, ${st.source}) on ${st.data_source}, ${st.row_count} rows${level}; submitted by ${st.submitted_by || "unknown"} at ${st.evaluated_at}`),
    el("table", {}, el("thead", {}, el("tr", {}, el("th", { text: "metric" }), el("th", { text: "value" }), el("th", { text: "interval" }))), el("tbody", {}, rows)));
}
function fmt(x) { return typeof x === "number" ? x.toFixed(4) : String(x ?? "—"); }
async function download(name) {
  try {
    const res = await api(`/api/v1/reports/${encodeURIComponent(name)}`, {}, { raw: true });
    saveBlob(await res.blob(), name);
  } catch (e) { status(`download failed: ${e.message}`, true); }
}
function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

// ---------- blocked deployments ----------
let blockedRows = [];
async function loadBlocked() {
  try {
    const data = await api("/api/v1/ledger", { limit: 10000 });
    blockedRows = data.entries || [];
    renderBlocked();
    if (view.decision) await showDecision(view.decision);
    else clear($("decision"));
  } catch (e) { clear($("decision")).append(el("p", { class: "verdict-fail", role: "alert", text: `could not load the register: ${e.message}` })); }
}
function renderBlocked() {
  const f = $("blocked-filter").value.trim().toLowerCase();
  const body = clear($("blocked-table").querySelector("tbody"));
  for (const e of blockedRows) {
    const hay = [e.model, e.version, e.target, ...(e.failing_policies || [])].join(" ").toLowerCase();
    if (f && !hay.includes(f)) continue;
    body.append(el("tr", { tabindex: "0" }, el("td", { text: e.seq }), el("td", { text: e.at }), el("td", { text: e.model }), el("td", { text: e.version }), el("td", { text: e.target }),
      el("td", { text: (e.failing_policies || []).join(", ") }),
      el("td", {}, el("a", { class: "decision-link", href: hashOf({ tab: "blocked", decision: e.decision_id }), text: e.decision_id.slice(0, 8) })),
      el("td", {}, el("a", { class: "evidence-link", href: hashOf({ ...view, tab: "graph", node: `model:${e.model}@${e.version}`, sel: "" }), text: "evidence" }))));
  }
}
async function showDecision(id) {
  const box = clear($("decision"));
  const d = await api(`/api/v1/decisions/${encodeURIComponent(id)}`);
  box.append(el("h3", { id: "decision-title", text: `Decision ${d.decision_id}` }),
    kv([["model", `${d.model} ${d.version}`], ["target", d.target], ["verdict", el("span", { class: d.deployable ? "verdict-pass" : "verdict-fail", text: d.deployable ? "deployable" : "blocked" })], ["evaluated", d.evaluated_at], ["requested by", d.requested_by], ["policy bundle", d.policy_bundle && d.policy_bundle.digest], ["context digest", d.context_digest]]),
    el("p", {}, link("model version evidence", hashOf({ ...view, tab: "graph", node: `model:${d.model}@${d.version}`, sel: "" }))),
    el("table", { id: "verdicts" }, el("thead", {}, el("tr", {}, ["policy", "verdict", "message", "evidence"].map((h) => el("th", { text: h })))),
      el("tbody", {}, (d.outcomes || []).map((o) => el("tr", {}, el("td", { text: o.policy_id }), el("td", { class: verdictClass(o.verdict), text: o.verdict }), el("td", { text: o.message || "" }), el("td", {}, (o.evidence || []).map((r) => el("div", { text: typeof r === "string" ? r : `${r.kind || ""} ${r.id || ""}` }))))))));
}

// ---------- exports ----------
function exportSvg() {
  if (!cy || !cy.nodes().length) return;
  const NS = "http://www.w3.org/2000/svg";
  const bb = cy.elements().boundingBox();
  const pad = 40;
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("xmlns", NS);
  svg.setAttribute("viewBox", `${bb.x1 - pad} ${bb.y1 - pad} ${bb.w + 2 * pad} ${bb.h + 2 * pad}`);
  svg.setAttribute("width", String(Math.round(bb.w + 2 * pad)));
  svg.setAttribute("height", String(Math.round(bb.h + 2 * pad)));
  const add = (parent, tag, attrs, text) => { const e = document.createElementNS(NS, tag); for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v)); if (text !== undefined) e.textContent = text; parent.append(e); return e; };
  add(svg, "title", {}, `gov lineage: ${view.node}${view.asof ? " as of " + view.asof : ""}`);
  const defs = add(svg, "defs", {});
  const marker = add(defs, "marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" });
  add(marker, "path", { d: "M 0 0 L 10 5 L 0 10 z", fill: "#9aa6b5" });
  for (const e of cy.edges()) {
    const s = e.sourceEndpoint(), t = e.targetEndpoint();
    add(svg, "line", { x1: s.x, y1: s.y, x2: t.x, y2: t.y, stroke: e.hasClass("onpath") ? "#d62728" : "#9aa6b5", "stroke-width": 1.5, "marker-end": "url(#arrow)" });
  }
  for (const n of cy.nodes()) {
    const p = n.position(), w = n.width(), h = n.height();
    const fill = n.hasClass("cluster") ? "#eef2f7" : n.hasClass("job") ? "#8c6bb1" : n.hasClass("model") ? "#d9822b" : "#4f86c6";
    add(svg, "rect", { x: p.x - w / 2, y: p.y - h / 2, width: w, height: h, rx: 4, fill, stroke: "#333", "stroke-width": n.hasClass("root") ? 3 : 0.5 });
    add(svg, "text", { x: p.x, y: n.hasClass("cluster") ? p.y - h / 2 - 4 : p.y + h / 2 + 12, "font-family": "sans-serif", "font-size": 11, "text-anchor": "middle" }, n.data("label"));
  }
  const text = new XMLSerializer().serializeToString(svg);
  saveBlob(new Blob([text], { type: "image/svg+xml" }), "lineage.svg");
  window.__explorer.lastSvg = text;
}
function exportPng() {
  if (!cy || !cy.nodes().length) return;
  const blob = cy.png({ output: "blob", full: true, bg: "#ffffff", scale: 2 });
  window.__explorer.lastPngBytes = blob.size;
  saveBlob(blob, "lineage.png");
}

// ---------- search (type-ahead) ----------
let searchTimer = null, searchSeq = 0, active = -1;
function searchInput() {
  clearTimeout(searchTimer);
  const q = $("search").value.trim();
  if (!q) { clear($("search-results")); $("search").setAttribute("aria-expanded", "false"); return; }
  searchTimer = setTimeout(async () => {
    const seq = ++searchSeq;
    try {
      const data = await api("/api/v1/search", { q, limit: 10 });
      if (seq !== searchSeq) return;
      renderResults(data.results);
    } catch (e) { status(`search failed: ${e.message}`, true); }
  }, 150);
}
function renderResults(results) {
  const list = clear($("search-results"));
  active = -1;
  for (const r of results) {
    const targets = r.kind === "model" ? (r.versions.length ? r.versions.map((v) => [`model:${r.name}@${v}`, ` v${v}`]) : []) : [[r.id, ""]];
    for (const [id, suffix] of targets) {
      list.append(el("li", { role: "option", "data-id": id, onmousedown: (ev) => { ev.preventDefault(); choose(id); } },
        el("span", { class: "kind", text: r.kind }), el("span", { class: "name", text: r.name + suffix }), r.namespace ? el("span", { class: "ns", text: r.namespace }) : null));
    }
  }
  if (!list.children.length) list.append(el("li", { class: "muted", text: "no match" }));
  $("search").setAttribute("aria-expanded", "true");
}
function searchKeys(ev) {
  const items = [...$("search-results").querySelectorAll("li[data-id]")];
  if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
    if (!items.length) return;
    active = (active + (ev.key === "ArrowDown" ? 1 : -1) + items.length) % items.length;
    items.forEach((li, i) => li.setAttribute("aria-selected", i === active ? "true" : "false"));
    ev.preventDefault();
  } else if (ev.key === "Enter") {
    ev.preventDefault();
    const pick = items[active >= 0 ? active : 0];
    if (pick) choose(pick.dataset.id);
  } else if (ev.key === "Escape") clear($("search-results"));
}
function choose(id) {
  clear($("search-results"));
  $("search").setAttribute("aria-expanded", "false");
  $("search").value = labelOf(id);
  go({ node: id, sel: "", from: "", to: "" });
}

// ---------- as-of slider: the last 180 days, right end = now ----------
const SLIDER_DAYS = 180;
function sliderChanged() {
  const v = Number($("asof-slider").value);
  if (v >= 100) { go({ asof: "" }); return; }
  const t = new Date(Date.now() - ((100 - v) / 100) * SLIDER_DAYS * 86400000);
  go({ asof: t.toISOString().replace(/\.\d+Z$/, "Z") });
}

// ---------- start ----------
function wire() {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", () => signOut("signed out"));
  $("search").addEventListener("input", searchInput);
  $("search").addEventListener("keydown", searchKeys);
  $("search").addEventListener("blur", () => setTimeout(() => clear($("search-results")), 200));
  $("direction").addEventListener("change", () => go({ dir: $("direction").value }));
  $("depth").addEventListener("change", () => {
    const n = parseInt($("depth").value, 10);
    if (Number.isFinite(n)) go({ depth: Math.max(1, Math.min(50, n)) });
  });
  $("asof").addEventListener("change", () => go({ asof: $("asof").value.trim() }));
  $("asof-slider").addEventListener("change", sliderChanged);
  $("asof-now").addEventListener("click", () => { $("asof-slider").value = "100"; go({ asof: "" }); });
  $("path-go").addEventListener("click", () => {
    const from = $("path-from").value.trim(), to = $("path-to").value.trim();
    if (!from || !to) { status("choose both ends of the path (node panel: Path from here / Path to here)", true); return; }
    go({ from, to, node: view.node || from });
  });
  $("toggle-table").addEventListener("click", () => {
    const on = $("table-view").hidden;
    $("table-view").hidden = !on;
    $("graph").hidden = on;
    $("toggle-table").setAttribute("aria-pressed", String(on));
    $("toggle-table").textContent = on ? "Graph view" : "Table view";
    if (on) renderTable();
    if (on) { const first = $("edge-table").querySelector("tbody tr"); if (first) first.focus(); } else if (cy) cy.resize();
  });
  $("edge-table").addEventListener("keydown", tableKeys);
  $("toggle-groups").addEventListener("click", () => {
    showAll = !showAll;
    groupsOpen.clear();
    rememberGroups();
    draw(lastGraph, performance.now());
    status(showAll ? `all ${lastGraph.nodes.size} nodes drawn` : "big layers grouped: click a group to open it");
  });
  $("export-svg").addEventListener("click", exportSvg);
  $("export-png").addEventListener("click", exportPng);
  $("copy-link").addEventListener("click", async () => {
    const link = window.location.href;
    try { await navigator.clipboard.writeText(link); status("link copied: it reopens this view (no token in it)"); } catch (_) { status(link); }
  });
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => go({ tab: b.dataset.view, decision: "" }));
  $("blocked-filter").addEventListener("input", renderBlocked);
  window.addEventListener("hashchange", () => { if (!$("app").hidden) applyHash(); });
}
async function start() {
  wire();
  const me = await whoami();
  if (!(me instanceof Error)) {
    noAuth = !token();
    if (READER_ROLES.includes(me.role)) { open(me); return; }
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(`token refused: role '${me.role}' may not read everything`);
    return;
  }
  showSignIn(token() ? "token refused: unknown or revoked" : "");
}
document.addEventListener("DOMContentLoaded", start);
