// 分享与导出: copy a client itinerary link (<button data-copy="#input-id" data-copied="已复制">). No inline
// scripts (strict CSP): loaded as a file, one delegated listener. Without JavaScript the address stays selectable.
(function () {
  "use strict";
  if (window.jiedaiShareLoaded) { return; }
  window.jiedaiShareLoaded = true;

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var input = document.querySelector(button.getAttribute("data-copy"));
    if (!input) { return; }
    input.focus();
    input.select();
    var done = function () {
      var label = button.getAttribute("data-copied");
      if (label) { button.textContent = label; }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  document.addEventListener("focusin", function (event) {
    if (event.target.matches("[data-copy-source]")) { event.target.select(); }
  });
})();
