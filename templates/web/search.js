// The archive's search pages (web/<lang>/search.html): start Pagefind's interface in the page's
// #search element, and search at once for ?q= when the address carries it. A file of its own,
// not an inline script, so that a Content-Security-Policy of "script-src 'self'" allows it.
window.addEventListener("DOMContentLoaded", function () {
  var ui = new PagefindUI({
    element: "#search",
    showSubResults: true,
    showImages: false,
    resetStyles: false,
  });
  var query = new URLSearchParams(window.location.search).get("q");
  if (query) {
    ui.triggerSearch(query);
  }
});
