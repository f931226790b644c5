// Small progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // Fill hidden time-zone fields with the browser's IANA zone (sign-up, settings).
  function fillTimezones() {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (e) {
      return;
    }
    if (!zone) return;
    document.querySelectorAll('input[type="hidden"][name="timezone"]').forEach(function (input) {
      if (!input.value) input.value = zone;
    });
  }

  function selectOnFocus() {
    document.querySelectorAll("[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    fillTimezones();
    selectOnFocus();
  });
})();
