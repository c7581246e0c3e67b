// The archive's search pages (web/<lang>/search.html): start Pagefind's interface in the page's
// #search element, and search at once for ?q= when the address carries it. A file of its own,
// not an inline script, so that a Content-Security-Policy of "script-src 'self'" allows it.
// The archive is indexed a year per bundle: #search's data-bundles names them (relative to the
// page, newest first); the newest is the interface's own, the others are merged into it.
window.addEventListener("DOMContentLoaded", function () {
  var element = document.querySelector("#search");
  var bundles = (element.getAttribute("data-bundles") || "")
    .split(" ")
    .filter(function (path) {
      return path;
    })
    .map(function (path) {
      // Pagefind wants paths from the site's root: it links results from them.
      return new URL(path, document.baseURI).pathname;
    });
  var options = {
    element: "#search",
    showSubResults: true,
    showImages: false,
    resetStyles: false,
  };
  if (bundles.length) {
    options.bundlePath = bundles[0];
    options.mergeIndex = bundles.slice(1).map(function (path) {
      return { bundlePath: path };
    });
  }
  var ui = new PagefindUI(options);
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
  }
});
