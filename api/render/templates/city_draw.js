// innonet whole-city drawing, shared by the page (first picture, fallback) and its drawing worker.
// innonetCityDrawer(city) takes the page's city data (columns, ties as index pairs) and returns
// paint(ctx, view, size, options): the whole picture at one view (screen = world * s + t), with
// the faded ties in one path, the organisations in one path per colour and the labels placed by
// innonetLabels (importance order, no overlaps). Needs labels.js.
function innonetCityDrawer(city) {
  "use strict";
  var N = city.ids.length;
  var X = Float64Array.from(city.x), Y = Float64Array.from(city.y), R = Float64Array.from(city.r);
  var E = Int32Array.from(city.edges), M = E.length / 2;
  var FADED_EDGE = "rgba(120,120,120,0.16)";
  var TAU = 6.283185307179586;
  var start = new Int32Array(N + 1), k;
  for (k = 0; k < E.length; k++) { start[E[k] + 1]++; }
  for (k = 0; k < N; k++) { start[k + 1] += start[k]; }
  var adjacency = new Int32Array(E.length), fill = start.slice(0, N);
  for (k = 0; k < M; k++) { var a = E[2 * k], b = E[2 * k + 1]; adjacency[fill[a]++] = b; adjacency[fill[b]++] = a; }
  function neighboursOf(i) { return Array.prototype.slice.call(adjacency, start[i], start[i + 1]); }
  var order = [];
  for (k = 0; k < N; k++) { order.push(k); }
  order.sort(function (p, q) { return city.imp[q] - city.imp[p]; });
  var topImp = N ? city.imp[order[0]] || 1 : 1;

  // on-screen radius: grows with the zoom up to 1:1, then slowly (a node never fills the screen)
  function radius(i, s) { return Math.max(R[i] * (s <= 1 ? s : Math.pow(s, 0.3)), 1.1); }
  function labelText(i) { return city.names[i] + (city.tal[i] ? " · 人才 " + city.tal[i] : ""); }
  function nodePath(c, shape, px, py, r) {
    if (r < 2.5 || shape === "square" || shape === "box") { c.rect(px - r, py - r, 2 * r, 2 * r); return; }
    if (shape === "diamond") { c.moveTo(px, py - r * 1.25); c.lineTo(px + r * 1.25, py); c.lineTo(px, py + r * 1.25); c.lineTo(px - r * 1.25, py); c.closePath(); return; }
    if (shape === "triangle") { c.moveTo(px, py - r * 1.2); c.lineTo(px + r * 1.1, py + r * 0.8); c.lineTo(px - r * 1.1, py + r * 0.8); c.closePath(); return; }
    c.moveTo(px + r, py); c.arc(px, py, r, 0, TAU);
  }
  function drawLabels(c, v, W, H, sx, sy, sr, seen, visible, selected) {
    var items = [], used = {};
    if (selected >= 0) {
      [selected].concat(neighboursOf(selected)).forEach(function (j) {
        if (!used[j]) { used[j] = true; items.push({ x: sx[j], y: sy[j], r: sr[j], text: labelText(j), size: 13, bold: j === selected, id: city.ids[j] }); }
      });
    }
    // communities first while each is small on screen: the label sits just outside its disc
    city.groups.forEach(function (g) {
      var r = g.r * v.s;
      if (r < 40 || r > Math.min(W, H) * 0.45) { return; }
      items.push({ x: g.x * v.s + v.tx, y: g.y * v.s + v.ty, r: r, text: g.label, size: Math.round(12 + Math.min(4, r / 60)),
                   bold: true, colour: "#1f3f66", id: "group:" + g.id });
    });
    var budget = 2500;
    for (var n = 0; n < N && budget > 0; n++) {
      var j = order[n];
      if (!seen[j] || used[j]) { continue; }
      budget--;
      var rel = Math.sqrt(Math.max(city.imp[j], 0) / topImp);
      items.push({ x: sx[j], y: sy[j], r: sr[j], text: labelText(j), size: Math.round(11 + 4 * rel), id: city.ids[j] });
    }
    var discs = [];
    if (visible <= 400) {
      for (n = 0; n < N; n++) { if (seen[n]) { discs.push({ x: sx[n] - sr[n], y: sy[n] - sr[n], w: 2 * sr[n], h: 2 * sr[n] }); } }
    }
    var boxes = innonetLabels.place(c, items, W, H, Math.round(W * H / 2600), discs);
    innonetLabels.draw(c, boxes);
    return boxes;
  }
  // size: {W, H, dpr} (CSS pixels); options: {colourBy: "community"|"tier", selected: index or -1, labels: bool}
  function paint(c, v, size, options) {
    var t0 = Date.now();
    var W = size.W, H = size.H, dpr = size.dpr, s = v.s, tx = v.tx, ty = v.ty, margin = 30, i;
    var colours = options.colourBy === "tier" ? city.ct : city.cc, selected = options.selected;
    c.setTransform(1, 0, 0, 1, 0, 0);
    c.fillStyle = "#ffffff";
    c.fillRect(0, 0, c.canvas.width, c.canvas.height);
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    var sx = new Float32Array(N), sy = new Float32Array(N), sr = new Float32Array(N), seen = new Uint8Array(N), visible = 0;
    for (i = 0; i < N; i++) {
      var px = X[i] * s + tx, py = Y[i] * s + ty;
      sx[i] = px; sy[i] = py; sr[i] = radius(i, s);
      if (px > -margin && py > -margin && px < W + margin && py < H + margin) { seen[i] = 1; visible++; }
    }
    // ties: one faded path; a tie is drawn when an end is on screen or it may cross the screen
    var edges = 0;
    c.lineWidth = s > 0.6 ? 1 : 0.6;
    c.strokeStyle = FADED_EDGE;
    c.beginPath();
    for (var e = 0; e < M; e++) {
      var a = E[2 * e], b = E[2 * e + 1];
      if (!seen[a] && !seen[b] && ((sx[a] < 0 && sx[b] < 0) || (sx[a] > W && sx[b] > W) || (sy[a] < 0 && sy[b] < 0) || (sy[a] > H && sy[b] > H))) { continue; }
      c.moveTo(sx[a], sy[a]); c.lineTo(sx[b], sy[b]); edges++;
    }
    c.stroke();
    // organisations: one path per colour; shapes and outlines once a typical node is a few pixels wide
    var shapes = s * 6 >= 3, buckets = {};
    for (i = 0; i < N; i++) {
      if (seen[i]) { (buckets[colours[i]] || (buckets[colours[i]] = [])).push(i); }
    }
    Object.keys(buckets).forEach(function (colour) {
      c.beginPath();
      buckets[colour].forEach(function (j) { nodePath(c, shapes ? city.shapes[city.kind[j]] : "", sx[j], sy[j], sr[j]); });
      c.fillStyle = city.palette[colour];
      c.fill();
      if (shapes) { c.lineWidth = 0.6; c.strokeStyle = "#555555"; c.stroke(); }
    });
    // the selected organisation: its ties dark, its partners outlined, itself ringed
    if (selected >= 0) {
      var around = neighboursOf(selected);
      c.lineWidth = 1.6; c.strokeStyle = "rgba(20,20,20,0.75)";
      c.beginPath();
      around.forEach(function (j) { c.moveTo(sx[selected], sy[selected]); c.lineTo(sx[j], sy[j]); });
      c.stroke();
      c.lineWidth = 1.5; c.strokeStyle = "#000000";
      c.beginPath();
      around.forEach(function (j) { c.moveTo(sx[j] + sr[j] + 1.5, sy[j]); c.arc(sx[j], sy[j], sr[j] + 1.5, 0, TAU); });
      c.stroke();
      c.lineWidth = 3; c.strokeStyle = "#d62728";
      c.beginPath(); c.arc(sx[selected], sy[selected], sr[selected] + 4, 0, TAU); c.stroke();
    }
    var boxes = options.labels ? drawLabels(c, v, W, H, sx, sy, sr, seen, visible, selected) : [];
    return {
      ms: Date.now() - t0, nodes: visible, edges: edges,
      labels: boxes.map(function (box) { return { x: box.x, y: box.y, w: box.w, h: box.h, text: box.text, id: box.item.id }; })
    };
  }
  return { paint: paint, radius: radius, neighboursOf: neighboursOf, X: X, Y: Y, R: R, N: N, order: order };
}
