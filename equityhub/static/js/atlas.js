// The health-equity atlas map. Loaded as a file (CSP forbids inline scripts); it reads its
// configuration and its translated strings from the page's `atlas-config` json_script block.
// The page reads fully without it: every layer is also a table, the form works with GET.
(function () {
  "use strict";

  var configElement = document.getElementById("atlas-config");
  var mapElement = document.getElementById("atlas-map");
  if (!configElement || !mapElement || typeof window.L === "undefined") {
    return;
  }
  var L = window.L;
  var config = JSON.parse(configElement.textContent);
  var S = config.strings;
  var statusElement = document.getElementById("atlas-status");
  var panel = document.getElementById("atlas-panel");
  var legendList = document.getElementById("atlas-legend");
  var legendCaption = document.getElementById("atlas-legend-caption");
  var indicatorSelect = document.getElementById("id_indicator");
  var numbers = new Intl.NumberFormat(document.documentElement.lang || undefined, {
    maximumFractionDigits: 2,
  });

  var indicators = {};
  config.indicators.forEach(function (indicator) {
    indicators[indicator.code] = indicator;
  });
  var current = config.indicator;
  var areaLayers = {}; // area id -> Leaflet layer of its boundary
  var areaGroup = null;
  var selectedId = null;
  var overlays = {
    initiatives: L.layerGroup(),
    sites: L.layerGroup(),
    hours: L.layerGroup(),
    participants: L.layerGroup(),
  };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  function say(text) {
    if (statusElement) {
      statusElement.textContent = text;
    }
  }

  // Tooltips get a text node, never a string: Leaflet puts strings in as HTML, and names
  // (areas, sites) and units come from imported files and the admin.
  function tip(text) {
    var element = document.createElement("span");
    element.textContent = text;
    return element;
  }

  function areaName(properties) {
    var name = properties.name && properties.name !== properties.code ? " " + properties.name : "";
    return properties.code + name;
  }

  // -- the choropleth ---------------------------------------------------------------------

  function classOf(value, classes) {
    if (value === null || value === undefined || !isFinite(value) || !classes.length) {
      return null;
    }
    for (var i = 0; i < classes.length; i += 1) {
      if (value <= classes[i].upper) {
        return classes[i];
      }
    }
    return classes[classes.length - 1];
  }

  function reading(feature, code) {
    var values = (feature.properties && feature.properties.indicators) || {};
    var entry = values[code];
    return entry && entry.value !== null && entry.value !== undefined ? entry : null;
  }

  function valueText(feature) {
    var indicator = indicators[current];
    var entry = indicator ? reading(feature, current) : null;
    if (!entry) {
      return S.noData;
    }
    var unit = entry.unit || indicator.unit || "";
    return (numbers.format(entry.value) + " " + unit).trim() + (entry.year ? " (" + entry.year + ")" : "");
  }

  function styleFor(feature) {
    var indicator = indicators[current];
    var entry = indicator ? reading(feature, current) : null;
    var found = entry ? classOf(entry.value, indicator.classes) : null;
    var selected = selectedId !== null && String(featureId(feature)) === String(selectedId);
    return {
      color: selected ? "#000000" : "#4a4a4a",
      weight: selected ? 3 : 1,
      opacity: 1,
      fillColor: found ? found.colour : "url(#eh-hatch)",
      fillOpacity: found ? 0.85 : 1,
    };
  }

  function featureId(feature) {
    return feature.id !== undefined && feature.id !== null ? feature.id : feature.properties.id;
  }

  function describe(layer) {
    var label = fill(S.areaLabel, { area: areaName(layer.feature.properties), value: valueText(layer.feature) });
    var element = layer.getElement();
    if (element) {
      element.setAttribute("aria-label", label);
    }
    layer.setTooltipContent(tip(areaName(layer.feature.properties) + ": " + valueText(layer.feature)));
  }

  function recolour() {
    Object.keys(areaLayers).forEach(function (id) {
      var layer = areaLayers[id];
      layer.setStyle(styleFor(layer.feature));
      describe(layer);
    });
  }

  function renderLegend() {
    var indicator = indicators[current];
    if (!legendList) {
      return;
    }
    legendList.textContent = "";
    if (indicator) {
      indicator.classes.forEach(function (item) {
        legendList.appendChild(legendItem("eh-swatch eh-shade-" + item.shade, item.label));
      });
    }
    legendList.appendChild(legendItem("eh-swatch eh-swatch-nodata", S.noData));
    if (legendCaption) {
      legendCaption.textContent = indicator
        ? indicator.title + " · " + (indicator.higherMeansMoreNeed ? S.darkerHigher : S.darkerLower)
        : S.noIndicators;
    }
  }

  function legendItem(swatchClass, text) {
    var item = document.createElement("li");
    var swatch = document.createElement("span");
    swatch.className = swatchClass;
    swatch.setAttribute("aria-hidden", "true");
    item.appendChild(swatch);
    item.appendChild(document.createTextNode(" " + text));
    return item;
  }

  function drawAreas(data) {
    areaGroup = L.geoJSON(data, {
      style: function (feature) {
        var style = styleFor(feature);
        style.className = "eh-area eh-area-" + String(feature.properties.code).replace(/[^\w-]/g, "_");
        return style;
      },
      onEachFeature: function (feature, layer) {
        areaLayers[featureId(feature)] = layer;
        layer.bindTooltip(tip(""), { sticky: true });
        layer.on("click", function () {
          openPanel(featureId(feature), false);
        });
        layer.on("mouseover", function () {
          layer.setStyle({ weight: 3 });
        });
        layer.on("mouseout", function () {
          layer.setStyle(styleFor(feature));
        });
      },
    }).addTo(map);
    // Leaflet's paths are not focusable: make each area a button for the keyboard.
    Object.keys(areaLayers).forEach(function (id) {
      var layer = areaLayers[id];
      var element = layer.getElement();
      if (element) {
        element.setAttribute("tabindex", "0");
        element.setAttribute("role", "button");
        element.addEventListener("keydown", function (event) {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            openPanel(id, true);
          }
        });
        element.addEventListener("focus", function () {
          layer.setStyle({ weight: 3 });
        });
        element.addEventListener("blur", function () {
          layer.setStyle(styleFor(layer.feature));
        });
      }
      describe(layer);
    });
    var bounds = areaGroup.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8] });
    }
  }

  // -- the side panel ---------------------------------------------------------------------

  function openPanel(id, byKeyboard) {
    if (!panel) {
      return;
    }
    var previous = selectedId;
    selectedId = id;
    [previous, id].forEach(function (key) {
      if (key !== null && areaLayers[key]) {
        areaLayers[key].setStyle(styleFor(areaLayers[key].feature));
      }
    });
    var url = config.panelUrl.replace(/\/0\/$/, "/" + encodeURIComponent(id) + "/");
    panel.setAttribute("aria-busy", "true");
    var done = function () {
      panel.removeAttribute("aria-busy");
      var title = document.getElementById("atlas-panel-title");
      if (byKeyboard && title) {
        title.focus();
      }
    };
    var failed = function () {
      panel.removeAttribute("aria-busy");
      panel.textContent = S.panelFailed;
    };
    if (window.htmx) {
      window.htmx.ajax("GET", url, { target: "#atlas-panel", swap: "innerHTML" }).then(done, failed);
    } else {
      fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.text();
        })
        .then(function (html) {
          panel.innerHTML = html;
          done();
        }, failed);
    }
  }

  // -- the layers -------------------------------------------------------------------------

  var SHIFT = { initiatives: 0, hours: 0.008, participants: -0.008 };

  function radius(value, largest, smallest, biggest) {
    if (!largest) {
      return smallest;
    }
    return smallest + (biggest - smallest) * Math.sqrt(value / largest);
  }

  function circleAt(row, name, options, tooltip) {
    if (row.lat === null || row.lon === null || row.lat === undefined) {
      return null;
    }
    var marker = L.circleMarker([row.lat, row.lon + SHIFT[name]], options);
    marker.bindTooltip(tip(tooltip));
    marker.on("click", function () {
      openPanel(row.area_id, false);
    });
    overlays[name].addLayer(marker);
    return marker;
  }

  function drawLayers(data) {
    var largest = 0;
    data.initiatives.areas.forEach(function (row) {
      largest = Math.max(largest, row.count);
    });
    data.initiatives.areas.forEach(function (row) {
      if (row.count > 0) {
        circleAt(
          row,
          "initiatives",
          {
            radius: radius(row.count, largest, 6, 20),
            className: "eh-mark eh-mark-initiatives",
            color: "#7a1e2c",
            weight: 2,
            fillColor: "#c2185b",
            fillOpacity: 0.55,
          },
          fill(S.initiatives, { area: areaName(row), count: row.count })
        );
      }
    });
    data.sites.items.forEach(function (site) {
      var marker = L.circleMarker([site.lat, site.lon], {
        radius: 5,
        className: "eh-mark eh-mark-site",
        color: "#000000",
        weight: 2,
        fillColor: "#ffffff",
        fillOpacity: 1,
      });
      marker.bindTooltip(tip(site.name + " (" + site.kind_label + ")"));
      if (site.area_id !== null) {
        marker.on("click", function () {
          openPanel(site.area_id, false);
        });
      }
      overlays.sites.addLayer(marker);
    });
    drawCounts(data.hours.areas, "hours", function (row) {
      return row.hours;
    }, function (row) {
      return fill(S.hours, {
        area: areaName(row),
        hours: numbers.format(row.hours),
        volunteers: row.volunteers,
      });
    }, S.hoursHidden, "#6a3d9a");
    drawCounts(data.participants.areas, "participants", function (row) {
      return row.count;
    }, function (row) {
      return fill(S.participants, { area: areaName(row), count: row.count });
    }, S.participantsHidden, "#e66101");
    config.layers.forEach(function (name) {
      if (overlays[name]) {
        overlays[name].addTo(map);
      }
    });
  }

  function drawCounts(rows, name, valueOf, describeRow, hiddenText, colour) {
    var largest = 0;
    rows.forEach(function (row) {
      if (!row.suppressed) {
        largest = Math.max(largest, valueOf(row) || 0);
      }
    });
    rows.forEach(function (row) {
      if (row.suppressed) {
        circleAt(
          row,
          name,
          {
            radius: 7,
            className: "eh-mark eh-mark-hidden eh-mark-" + name,
            color: colour,
            weight: 2,
            dashArray: "3 3",
            fill: false,
          },
          fill(hiddenText, { area: areaName(row), threshold: config.threshold })
        );
      } else if (valueOf(row) > 0) {
        circleAt(
          row,
          name,
          {
            radius: radius(valueOf(row), largest, 5, 18),
            className: "eh-mark eh-mark-" + name,
            color: colour,
            weight: 2,
            fillColor: colour,
            fillOpacity: 0.35,
          },
          describeRow(row)
        );
      }
    });
  }

  // -- the form: indicator and layers without a page load ---------------------------------

  function currentParams() {
    return new URLSearchParams(window.location.search);
  }

  function replaceUrl(params) {
    var query = params.toString();
    window.history.replaceState(null, "", window.location.pathname + (query ? "?" + query : "") + window.location.hash);
  }

  function setIndicator(code) {
    if (!indicators[code]) {
      return;
    }
    current = code;
    recolour();
    renderLegend();
    var params = currentParams();
    params.set("indicator", code);
    replaceUrl(params);
    if (window.htmx) {
      window.htmx.ajax("GET", config.indexUrl + "?" + params.toString(), {
        target: "#" + config.fragmentTarget,
        swap: "innerHTML",
      });
    }
  }

  function setLayers() {
    var params = currentParams();
    params.delete("layer");
    params.set("view", "1");
    document.querySelectorAll("input[name=layer]").forEach(function (box) {
      if (box.checked) {
        params.append("layer", box.value);
        overlays[box.value] && overlays[box.value].addTo(map);
      } else if (overlays[box.value]) {
        map.removeLayer(overlays[box.value]);
      }
    });
    replaceUrl(params);
  }

  if (indicatorSelect) {
    indicatorSelect.addEventListener("change", function () {
      setIndicator(indicatorSelect.value);
    });
  }
  document.querySelectorAll("input[name=layer]").forEach(function (box) {
    box.addEventListener("change", setLayers);
  });

  // -- start ------------------------------------------------------------------------------

  var map = L.map(mapElement, { attributionControl: false, zoomSnap: 0.25, minZoom: 3 });
  map.setView([38.63, -90.3], 10);
  if (config.tileUrl) {
    L.tileLayer(config.tileUrl, { attribution: config.tileAttribution, maxZoom: 19 }).addTo(map);
  } else {
    mapElement.classList.add("eh-atlas-plain");
  }
  renderLegend();
  say(S.loading);
  mapElement.setAttribute("aria-busy", "true");

  function getJson(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json, application/json" },
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      return response.json();
    });
  }

  var areasLoaded = getJson(config.areasUrl).then(function (data) {
    drawAreas(data);
    var attribution = document.getElementById("atlas-data-attribution");
    if (attribution && data.attribution) {
      attribution.textContent = data.attribution;
    }
    mapElement.removeAttribute("aria-busy");
    mapElement.classList.add("eh-atlas-ready");
    say(fill(S.loaded, { count: (data.features || []).length }));
  });
  areasLoaded.catch(function () {
    mapElement.removeAttribute("aria-busy");
    mapElement.classList.add("eh-atlas-failed");
    say(S.failed);
  });
  // The symbols go on top of the areas, so they are drawn once the areas are there (or not).
  var layersLoaded = getJson(config.layersUrl);
  areasLoaded
    .catch(function () {
      return null;
    })
    .then(function () {
      return layersLoaded;
    })
    .then(drawLayers)
    .catch(function () {
      say(S.failed);
    });
})();
