/* The ballot page: running totals and limits in the browser, so that a voter sees at once what is left.
   The server checks every ballot again with the counting engine's rules; nothing here is trusted. */
(function () {
  "use strict";

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (m, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? values[key] : m;
    });
  }

  function moneyFormat(meta) {
    try {
      return new Intl.NumberFormat(meta.lang || "en", {style: "currency", currency: meta.currency || "EUR",
                                                       maximumFractionDigits: 0});
    } catch (e) {
      return {format: function (x) { return String(x) + " " + (meta.currency || ""); }};
    }
  }

  function line(text, cls) {
    return {namespace: "dash_html_components", type: "P", props: {children: text, className: cls || "mb-1"}};
  }

  /* Approval, k-approval and knapsack: disable what would break a limit, announce the running total. */
  function approval(value, options, meta) {
    if (!meta || !options || meta.type === "cumulative" || meta.type === "ordinal") { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    var chosen = {};
    (value || []).forEach(function (v) { chosen[v] = true; });
    var fmt = moneyFormat(meta);
    var spent = {}, total = 0, count = 0;
    (value || []).forEach(function (pid) {
      var cost = meta.costs[pid] || 0, pool = meta.pools[pid] || "";
      spent[pool] = (spent[pool] || 0) + cost;
      total += cost;
      count += 1;
    });
    var limit = meta.maxProjects;
    var out = options.map(function (o) {
      var pid = o.value, disabled = false;
      if (!chosen[pid]) {
        if (limit && count >= limit) { disabled = true; }
        if (meta.knapsack) {
          var pool = meta.pools[pid] || "", cost = meta.costs[pid] || 0;
          var poolBudget = meta.poolBudgets[pool];
          if (poolBudget !== undefined && (spent[pool] || 0) + cost > poolBudget) { disabled = true; }
          if (total + cost > meta.budget) { disabled = true; }
        }
      }
      return Object.assign({}, o, {disabled: disabled});
    });
    var lines = [];
    if (meta.knapsack) {
      lines.push(line(fill(meta.texts.total, {total: fmt.format(total), budget: fmt.format(meta.budget),
                                              left: fmt.format(meta.budget - total)}), "mb-1 fw-semibold"));
      Object.keys(meta.poolBudgets || {}).forEach(function (pool) {
        lines.push(line(fill(meta.texts.pool, {name: meta.poolNames[pool] || pool,
                                               total: fmt.format(spent[pool] || 0),
                                               budget: fmt.format(meta.poolBudgets[pool])}), "mb-1 small"));
      });
    } else {
      lines.push(line(fill(meta.texts.count, {count: count}), "mb-1 fw-semibold"));
    }
    if (limit) {
      lines.push(line(fill(meta.texts.limit, {count: count, max: limit}), "mb-1 small"));
    }
    if (meta.minCost) {
      lines.push(line(fill(meta.texts.minCost, {min: fmt.format(meta.minCost)}), "mb-0 small"));
    }
    return [out, lines];
  }

  /* Cumulative: points given and points left. */
  function points(values, ids, meta) {
    if (!meta || !ids || meta.type !== "cumulative") { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    var given = {}, total = 0;
    ids.forEach(function (id, i) {
      var v = parseInt(values[i], 10);
      if (!isNaN(v) && v > 0) { given[id.index] = v; total += v; }
    });
    var left = meta.totalPoints - total;
    var text = fill(left >= 0 ? meta.texts.pointsLeft : meta.texts.pointsOver,
                    {given: total, total: meta.totalPoints, left: left, over: -left});
    return [[line(text, left >= 0 ? "mb-0 fw-semibold" : "mb-0 fw-semibold text-danger")], given];
  }

  /* Ranking: add, move up, move down, remove; by keyboard (buttons are focusable) and by mouse. */
  function rankAction(add, up, down, remove, ranking, meta) {
    var ctx = window.dash_clientside.callback_context;
    var trig = ctx.triggered && ctx.triggered[0];
    if (!trig || !trig.value || !meta || meta.type !== "ordinal") { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    var id;
    try { id = JSON.parse(trig.prop_id.split(".")[0]); } catch (e) {
      return [window.dash_clientside.no_update, window.dash_clientside.no_update];
    }
    var list = (ranking || []).slice(), pid = String(id.index), i = list.indexOf(pid), focus = null, message = "";
    if (id.type === "rank-add" && i < 0) {
      if (meta.maxProjects && list.length >= meta.maxProjects) {
        return [window.dash_clientside.no_update, fill(meta.texts.rankFull, {max: meta.maxProjects})];
      }
      list.push(pid);
      focus = {type: "rank-up", index: pid};
      message = fill(meta.texts.rankAdded, {title: meta.titles[pid], position: list.length});
    } else if (id.type === "rank-up" && i > 0) {
      list.splice(i, 1); list.splice(i - 1, 0, pid);
      focus = {type: i - 1 > 0 ? "rank-up" : "rank-down", index: pid};
      message = fill(meta.texts.rankMoved, {title: meta.titles[pid], position: i});
    } else if (id.type === "rank-down" && i >= 0 && i < list.length - 1) {
      list.splice(i, 1); list.splice(i + 1, 0, pid);
      focus = {type: i + 1 < list.length - 1 ? "rank-down" : "rank-up", index: pid};
      message = fill(meta.texts.rankMoved, {title: meta.titles[pid], position: i + 2});
    } else if (id.type === "rank-remove" && i >= 0) {
      list.splice(i, 1);
      focus = {type: "rank-add", index: pid};
      message = fill(meta.texts.rankRemoved, {title: meta.titles[pid]});
    } else {
      return [window.dash_clientside.no_update, window.dash_clientside.no_update];
    }
    window.__ballotFocus = focus;
    return [list, message];
  }

  function button(type, pid, label, text, cls, disabled) {
    return {namespace: "dash_html_components", type: "Button", props: {
      id: {type: type, index: pid}, children: text, className: "btn btn-sm " + cls, disabled: !!disabled,
      "aria-label": label, type: "button", n_clicks: 0}};
  }

  function stringifyId(id) {
    var keys = Object.keys(id).sort();
    return "{" + keys.map(function (k) { return JSON.stringify(k) + ":" + JSON.stringify(id[k]); }).join(",") + "}";
  }

  function rankRender(ranking, meta) {
    if (!meta || meta.type !== "ordinal") { return [window.dash_clientside.no_update, window.dash_clientside.no_update]; }
    var list = ranking || [], inList = {};
    list.forEach(function (p) { inList[p] = true; });
    var ranked = list.map(function (pid, i) {
      var title = meta.titles[pid] || pid;
      return {namespace: "dash_html_components", type: "Li", props: {className: "list-group-item", children: [
        {namespace: "dash_html_components", type: "Span", props: {className: "badge bg-primary", children: String(i + 1)}},
        {namespace: "dash_html_components", type: "Span", props: {className: "rank-title", children: title}},
        button("rank-up", pid, fill(meta.texts.up, {title: title}), "↑", "btn-outline-secondary", i === 0),
        button("rank-down", pid, fill(meta.texts.down, {title: title}), "↓", "btn-outline-secondary",
               i === list.length - 1),
        button("rank-remove", pid, fill(meta.texts.remove, {title: title}), meta.texts.removeShort,
               "btn-outline-danger", false)
      ]}};
    });
    var unranked = meta.order.filter(function (pid) { return !inList[pid]; }).map(function (pid) {
      var title = meta.titles[pid] || pid;
      return {namespace: "dash_html_components", type: "Li", props: {className: "list-group-item", children: [
        {namespace: "dash_html_components", type: "Span", props: {className: "rank-title", children: title}},
        button("rank-add", pid, fill(meta.texts.add, {title: title}), meta.texts.addShort, "btn-outline-primary",
               meta.maxProjects && list.length >= meta.maxProjects)
      ]}};
    });
    var focus = window.__ballotFocus;
    if (focus) {
      window.__ballotFocus = null;
      setTimeout(function () {
        var el = document.getElementById(stringifyId(focus));
        if (el && !el.disabled) { el.focus(); }
      }, 60);
    }
    return [
      ranked.length ? ranked : [{namespace: "dash_html_components", type: "Li",
                                  props: {className: "list-group-item text-muted", children: meta.texts.empty}}],
      unranked
    ];
  }

  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.ballot = {approval: approval, points: points, rankAction: rankAction, rankRender: rankRender};
})();
