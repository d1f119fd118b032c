// One chart per key, updated in place with Plotly.react (observatoire/ui/figures.py); observatoirePlotly comes
// from plotly_loader.js, prepended by figures.py.
//
// A chart away from the window (below the fold, in a closed panel) is drawn when it comes near it: a territory
// or date change then redraws only the charts the user sees, and the others when scrolled to (or printed).
function observatoireDrawPending(host) {
  const draw = host.__draw;
  host.__draw = null;
  if (draw) { host.removeAttribute('data-pending'); draw(); }
}

function observatoireWatcher() {
  if (window.__observatoireWatcher !== undefined) return window.__observatoireWatcher;
  window.__observatoireWatcher = typeof IntersectionObserver === 'undefined' ? null : new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        entry.target.__near = entry.isIntersecting;
        if (entry.isIntersecting) observatoireDrawPending(entry.target);
      }
    }, {rootMargin: '400px 0px', scrollMargin: '400px 0px'});
  // Printing the page (or saving it as PDF) draws every chart first.
  window.addEventListener('beforeprint', () => document.querySelectorAll('.obs-plot').forEach(observatoireDrawPending));
  return window.__observatoireWatcher;
}

// The map a chart holds (MapLibre, created by Plotly for a `map` subplot), or null.
function observatoireMap(host) {
  const layout = host._fullLayout;
  const subplot = layout && layout.map && layout.map._subplot;
  return (subplot && subplot.map) || null;
}

// The overlay (the outline of the chosen territory: map layers named theme.OVERLAY in Python) is drawn on the
// map by this element rather than by Plotly: Plotly.react would reload every trace of the map and redraw it
// several times. Each outline seen is kept as its own line layer, the others made transparent: going back to a
// territory already outlined changes an opacity only (one redraw, no new data for MapLibre's worker). The last
// OVERLAYS_KEPT outlines are kept, above the map's own layers; `text` (the overlay as sent) names each one.
const OVERLAYS_KEPT = 8;

// No fade between two states of the map (MapLibre animates every colour or opacity change for 300 ms, drawing
// the whole map again on every frame of it): a new territory or date is drawn once.
function observatoireNoFade(map) {
  const style = map.style && map.style.stylesheet;
  if (style && !(style.transition && style.transition.duration === 0)) style.transition = {duration: 0, delay: 0};
}

function observatoireOverlay(map, layers, text) {
  observatoireNoFade(map);
  const kept = map.__overlays || (map.__overlays = []);   // [{text, ids, opacities}], the latest last
  let entry = kept.find((e) => e.text === text && e.ids.every((id) => map.getLayer(id)));
  if (entry) {
    kept.splice(kept.indexOf(entry), 1);
  } else {
    const n = (map.__overlaySerial = (map.__overlaySerial || 0) + 1);
    entry = {text, ids: [], opacities: []};
    layers.forEach((layer, i) => {
      const id = 'observatoire-overlay-' + n + '-' + i;
      const opacity = layer.opacity === undefined ? 1 : layer.opacity;
      map.addSource(id, {type: 'geojson', data: layer.source});
      map.addLayer({id, source: id, type: 'line', paint: {
        'line-color': layer.color || '#111827', 'line-width': (layer.line && layer.line.width) || 2,
        'line-opacity': opacity}});
      entry.ids.push(id);
      entry.opacities.push(opacity);
    });
  }
  kept.push(entry);
  while (kept.length > OVERLAYS_KEPT) {
    for (const id of kept.shift().ids) {
      if (map.getLayer(id)) map.removeLayer(id);
      if (map.getSource(id)) map.removeSource(id);
    }
  }
  for (const other of kept) {
    other.ids.forEach((id, i) => {
      if (map.getLayer(id)) map.setPaintProperty(id, 'line-opacity', other === entry ? other.opacities[i] : 0);
    });
  }
  // Above the map's own layers (Plotly adds a new trace's layers on top): moved back only when needed.
  const order = map.getLayersOrder ? map.getLayersOrder() : [];
  const ours = new Set(kept.flatMap((e) => e.ids));
  const first = order.findIndex((id) => ours.has(id));
  if (first >= 0 && order.slice(first).some((id) => !ours.has(id))) {
    order.filter((id) => ours.has(id)).forEach((id) => map.moveLayer(id));
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  const watcher = observatoireWatcher();
  let host = parentElement.querySelector('.obs-plot');
  if (!host) {
    host = document.createElement('div');
    host.className = 'obs-plot';
    host.setAttribute('role', 'figure');
    parentElement.appendChild(host);
    if (watcher) watcher.observe(host);
  }
  const cleanup = () => {   // unmounted (another tab, another page): free the chart, its WebGL context included
    setTimeout(() => {
      if (host.isConnected) return;
      if (watcher) watcher.unobserve(host);
      host.__draw = null;
      if (window.Plotly) window.Plotly.purge(host);
    }, 0);
  };
  const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
  if (host.__payload === text) return cleanup;  // the same figure as drawn or waiting to be: nothing to do
  host.__payload = text;                       // the latest figure asked for: an older one never overwrites it
  // The figure without its overlay (written last by figures.py): when it is the one drawn, only the overlay (the
  // outlined territory) or the text alternative changed, and Plotly is not asked to redraw anything.
  const cut = text.lastIndexOf(',"observatoire_overlay":');
  const figureText = text.slice(text.indexOf(',"figure":'), cut);
  const overlayText = text.slice(cut);
  const { meta, figure, observatoire_overlay: overlay } = JSON.parse(text);
  host.setAttribute('aria-label', meta.alt || '');
  host.style.height = meta.height + 'px';      // its place is kept while it waits to be drawn
  const draw = () => observatoirePlotly(meta.src).then((Plotly) => {
    if (host.__payload !== text) return;
    const map = observatoireMap(host);
    if (map && host.__figure === figureText) {
      observatoireOverlay(map, overlay, overlayText);
      host.__drawn = text;
      return;
    }
    host.__figure = null;
    const layout = Object.assign(figure.layout || {}, {autosize: true});
    delete layout.width;
    if (meta.select) { layout.clickmode = 'event+select'; layout.hovermode = 'closest'; }
    const drawn = Plotly.react(host, figure.data, layout, Object.assign({responsive: true}, meta.config));
    // Before Plotly's update of the map lands (it is asynchronous): no fade, the outline with the traces' new data.
    if (map) observatoireOverlay(map, overlay, overlayText);
    return drawn.then(() => {
      host.__drawn = text;
      if (host.__payload !== text) return;
      const drawnMap = observatoireMap(host);
      if (drawnMap) observatoireOverlay(drawnMap, overlay, overlayText);  // a new map; or back on top of a trace just added
      host.__figure = figureText;
      if (meta.select && !host.__clicks) {
        host.__clicks = true;
        host.on('plotly_click', (event) => {
          const points = (event.points || []).map((p) => ({
            customdata: p.customdata, location: p.location, curve_number: p.curveNumber,
            point_index: p.pointIndex}));
          setTriggerValue('selection', {points});
        });
      }
    });
  }).catch(() => {
    host.textContent = 'Le graphique n\u2019a pas pu être affiché (bibliothèque Plotly non chargée). Rechargez la page.';
  });
  // Near the window (known once the watcher has seen it): now; otherwise when it comes near.
  host.__draw = draw;
  if (!watcher || host.__near) observatoireDrawPending(host);
  else host.setAttribute('data-pending', 'true');
  return cleanup;
}
