/* The budget explorer writes its view into the address bar, so that a link or a reload reproduces it.
   history.pushState does not fire popstate, so Dash's router does not re-render the page; the Back
   button does fire it, and the router then renders the previous view from its query string. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  explorer: {
    syncUrl: function (state) {
      if (!state || typeof state.query !== "string") {
        return window.dash_clientside.no_update;
      }
      var target = window.location.pathname + (state.query ? "?" + state.query : "");
      var here = window.location.pathname + window.location.search;
      if (target !== here) {
        if (state.initial) {
          window.history.replaceState(window.history.state, "", target);
        } else {
          window.history.pushState({}, "", target);
        }
      }
      return state.query;
    }
  }
});
