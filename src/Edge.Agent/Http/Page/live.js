// Live view: one card per camera with its MJPEG overlay stream and a bar chart of the latest frame's class
// coverage, refreshed from /api/cameras about once a second. Plain DOM and SVG, nothing loaded from elsewhere.
"use strict";

const svgNs = "http://www.w3.org/2000/svg";
const chartWidth = 380, labelWidth = 110, valueWidth = 52, rowHeight = 17;
const cards = new Map();

// Counts refreshes that brought a newer frame, per camera: tests and people can see the page is live.
window.segmanLive = { updates: 0, cameras: {} };

function el(tag, attrs = {}, text) {
  const node = tag.startsWith("svg:") ? document.createElementNS(svgNs, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function createCard(camera) {
  const card = el("section", { class: "camera", "data-camera": camera.id });
  const title = el("h2");
  title.append(el("span", {}, camera.id), el("span", { class: "state" }), el("span", { class: "muted stats" }));
  const body = el("div", { class: "body" });
  const img = el("img", { alt: `live overlay of ${camera.id}`, src: camera.stream });
  const chart = el("svg:svg", { class: "chart", width: chartWidth, height: camera.coverage.length * rowHeight + 4, role: "img", "aria-label": `class coverage of ${camera.id}` });
  const bars = camera.coverage.map((c, i) => {
    const y = i * rowHeight + 2;
    const row = el("svg:g", { "data-class": c.name });
    row.append(
      el("svg:text", { x: 0, y: y + 12 }, c.name),
      el("svg:rect", { class: "track", x: labelWidth, y: y + 2, width: chartWidth - labelWidth - valueWidth, height: rowHeight - 5, rx: 2 }),
      el("svg:rect", { class: "bar", x: labelWidth, y: y + 2, width: 0, height: rowHeight - 5, rx: 2, fill: c.color }),
      el("svg:text", { class: "value", x: chartWidth - valueWidth + 6, y: y + 12 }, "0.0%"));
    chart.append(row);
    return row;
  });
  body.append(img, chart);
  card.append(title, body);
  document.getElementById("cameras").append(card);
  return { card, img, bars, sequence: -1 };
}

function update(camera) {
  const view = cards.get(camera.id) ?? cards.set(camera.id, createCard(camera)).get(camera.id);
  const state = view.card.querySelector(".state");
  state.textContent = camera.source;
  state.className = `state ${camera.source}`;
  const age = camera.frameAgeSeconds === null ? "no frame yet" : `frame ${camera.sequence}, ${camera.fps.toFixed(1)} fps`;
  view.card.querySelector(".stats").textContent =
    `${age} · processed ${camera.framesProcessed} · dropped ${camera.framesDropped} · errors ${camera.errors}`;
  const track = chartWidth - labelWidth - valueWidth;
  camera.coverage.forEach((c, i) => {
    const row = view.bars[i];
    if (!row) return;
    row.querySelector("rect.bar").setAttribute("width", (c.fraction * track).toFixed(1));
    row.querySelector("text.value").textContent = `${(c.fraction * 100).toFixed(1)}%`;
  });
  if (camera.sequence !== view.sequence) {
    view.sequence = camera.sequence;
    window.segmanLive.updates++;
    window.segmanLive.cameras[camera.id] = camera.sequence;
  }
}

// Cameras removed from the configuration file while the page is open leave the page too.
function removeCardsNotIn(cameras) {
  const configured = new Set(cameras.map(c => c.id));
  for (const [id, view] of cards) {
    if (configured.has(id)) continue;
    view.card.remove();
    cards.delete(id);
  }
}

async function refresh() {
  const error = document.getElementById("error");
  try {
    const response = await fetch("/api/cameras", { cache: "no-store" });
    if (response.status === 503) {
      // The agent is up but its model still loads (a TensorRT engine build takes minutes): say so, not "unreachable".
      error.textContent = await response.text();
      error.hidden = false;
      return;
    }
    if (!response.ok) throw new Error(`/api/cameras answered ${response.status}`);
    const body = await response.json();
    document.getElementById("model").textContent =
      `${body.model.name} (${body.model.precision}) on ${body.model.executionProvider}`;
    body.cameras.forEach(update);
    removeCardsNotIn(body.cameras);
    error.hidden = true;
  } catch (e) {
    error.textContent = `Agent unreachable: ${e.message}`;
    error.hidden = false;
  }
}

refresh();
setInterval(refresh, 1000);
