// Draws the plan's routes with Leaflet. Tiles only when the server configures a tile URL
// (DOORSTEP_TILE_URL); without tiles the routes draw on the plain background.
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("plan-map");
    var source = document.getElementById("plan-data");
    if (!box || !source || typeof L === "undefined") { return; }
    var plan = JSON.parse(source.textContent);
    var map = L.map(box);
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 19 }).addTo(map);
    }
    var colours = ["#2f6fb2", "#c0392b", "#27ae60", "#8e44ad", "#d35400", "#16a085", "#7f8c8d"];
    var bounds = [];
    var branch = plan.start;
    if (branch[0] !== null) {
      L.circleMarker(branch, { radius: 8, color: "#000", fillOpacity: 1 }).addTo(map)
        .bindTooltip(plan.branch);
      bounds.push(branch);
    }
    plan.teams.forEach(function (team, i) {
      var colour = colours[i % colours.length];
      var line = [branch];
      team.stops.forEach(function (stop) {
        if (!stop.at || stop.at[0] === null) { return; }
        line.push(stop.at);
        bounds.push(stop.at);
        var label = (stop.kind === "visit" ? "V" + stop.visit : "☕") + " " +
          stop.start.slice(11, 16) + "–" + stop.end.slice(11, 16);
        L.circleMarker(stop.at, { radius: stop.kind === "visit" ? 6 : 4, color: colour })
          .addTo(map).bindTooltip(team.key + " #" + stop.position + " " + label);
      });
      line.push(branch);
      L.polyline(line, { color: colour, weight: 3, opacity: 0.8 }).addTo(map);
    });
    if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([30.26, 120.13], 12); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
