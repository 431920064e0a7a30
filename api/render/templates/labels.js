// innonet label placement, shared by the map, the whole-city view and the posters.
// Labels are placed most important first; a label that would touch one already placed tries
// three other spots around its node and is otherwise left out (zoom in and it comes back).
var innonetLabels = (function () {
  "use strict";
  var FONT = '"Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif';
  var widths = new Map();
  function measure(ctx, text, size) {
    var key = size + "|" + text;
    var w = widths.get(key);
    if (w === undefined) {
      ctx.font = size + "px " + FONT;
      w = ctx.measureText(text).width;
      if (widths.size > 50000) { widths.clear(); }
      widths.set(key, w);
    }
    return w;
  }
  // items: [{x, y, r, text, size}] in screen pixels, most important first; obstacles: boxes
  // ({x, y, w, h}: the node discs) no label may cover.
  // Returns the boxes of the labels placed: [{x, y, w, h, text, size, item}].
  function place(ctx, items, width, height, maxLabels, obstacles) {
    var cell = 64, grid = new Map(), boxes = [];
    function overlaps(b, labelsOnly) {
      for (var i = Math.floor(b.x / cell); i <= Math.floor((b.x + b.w) / cell); i++) {
        for (var j = Math.floor(b.y / cell); j <= Math.floor((b.y + b.h) / cell); j++) {
          var list = grid.get(i * 100003 + j);
          if (!list) { continue; }
          for (var k = 0; k < list.length; k++) {
            var o = list[k];
            if (labelsOnly && !o.text) { continue; }
            if (b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h) { return true; }
          }
        }
      }
      return false;
    }
    function add(b) {
      for (var i = Math.floor(b.x / cell); i <= Math.floor((b.x + b.w) / cell); i++) {
        for (var j = Math.floor(b.y / cell); j <= Math.floor((b.y + b.h) / cell); j++) {
          var k = i * 100003 + j;
          if (!grid.has(k)) { grid.set(k, []); }
          grid.get(k).push(b);
        }
      }
      boxes.push(b);
    }
    (obstacles || []).forEach(function (o) { add(o); });
    boxes = [];
    for (var n = 0; n < items.length && boxes.length < maxLabels; n++) {
      var it = items[n];
      if (!it.text || it.x < -200 || it.y < -50 || it.x > width + 200 || it.y > height + 50) { continue; }
      var w = measure(ctx, it.text, it.size) + 4, h = Math.ceil(it.size * 1.3);
      var spots = [[it.x - w / 2, it.y + it.r + 2], [it.x - w / 2, it.y - it.r - 2 - h],
                   [it.x + it.r + 3, it.y - h / 2], [it.x - it.r - 3 - w, it.y - h / 2]];
      // first a spot clear of labels and node discs; failing that, one clear of labels only
      var done = false;
      for (var pass = 0; pass < 2 && !done; pass++) {
        for (var s = 0; s < spots.length; s++) {
          var b = { x: spots[s][0], y: spots[s][1], w: w, h: h, text: it.text, size: it.size, item: it };
          if (b.x < 0 || b.y < 0 || b.x + b.w > width || b.y + b.h > height) { continue; }
          if (!overlaps(b, pass === 1)) { add(b); done = true; break; }
        }
      }
    }
    return boxes;
  }
  function draw(ctx, boxes, colour) {
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    for (var i = 0; i < boxes.length; i++) {
      var b = boxes[i];
      ctx.font = (b.item.bold ? "bold " : "") + b.size + "px " + FONT;
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.strokeText(b.text, b.x + 2, b.y + b.h / 2);
      ctx.fillStyle = b.item.colour || colour || "#222222";
      ctx.fillText(b.text, b.x + 2, b.y + b.h / 2);
    }
  }
  function overlapping(boxes) {  // pairs of placed labels that overlap (0 by construction; for tests)
    var count = 0;
    for (var i = 0; i < boxes.length; i++) {
      for (var j = i + 1; j < boxes.length; j++) {
        var a = boxes[i], b = boxes[j];
        if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) { count++; }
      }
    }
    return count;
  }
  return { place: place, draw: draw, measure: measure, overlapping: overlapping, FONT: FONT };
})();
